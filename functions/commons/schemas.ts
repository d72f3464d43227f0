import * as z from 'zod';
import { MAX_STOCK } from '#domain/coupons';

// Request schemas: each message says what to send instead.

export const Id = z
  .string({ error: 'must be a string' })
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 characters: letters, digits, "_" or "-"');

/** A JSON request body, parsed, then checked against `schema`. */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return z
    .string({ error: 'is required: send a JSON object' })
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not valid JSON', fatal: true });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

const object = <T extends z.ZodRawShape>(shape: T) =>
  z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `has unknown field(s): ${issue.keys.join(', ')}`
        : 'must be a JSON object',
  });

/** An instant, ISO 8601 with a time zone (Z or an offset), normalized to UTC. */
const Instant = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 time with a time zone, e.g. 2026-11-27T10:00:00Z' })
  .transform((text) => new Date(text).toISOString());

const Stock = z
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(MAX_STOCK, `must be at most ${MAX_STOCK}`);

export const CreateCouponBody = object({
  couponId: Id,
  name: z
    .string({ error: 'must be a string' })
    .trim()
    .min(1, 'must not be empty')
    .max(200, 'must be at most 200 characters'),
  stock: Stock,
  opensAt: Instant.optional(),
  closesAt: Instant.optional(),
});

/** "now" (the server's clock) or an instant; closesAt may also be null: until sold out. */
export const ChangeWindowBody = object({
  opensAt: z.union([z.literal('now'), Instant], { error: 'must be "now" or an ISO 8601 time' }).optional(),
  closesAt: z
    .union([z.literal('now'), Instant, z.null()], { error: 'must be "now", an ISO 8601 time or null' })
    .optional(),
}).refine((body) => body.opensAt !== undefined || body.closesAt !== undefined, {
  message: 'must set opensAt, closesAt or both',
});

export const AddStockBody = object({ add: Stock });

export const ListQuery = z
  .object(
    {
      limit: z
        .string()
        .regex(/^\d{1,3}$/, 'must be a whole number from 1 to 100')
        .transform(Number)
        .refine((n) => n >= 1 && n <= 100, 'must be a whole number from 1 to 100')
        .optional(),
      cursor: z.string().max(2048, 'is too long').optional(),
    },
    { error: 'must be limit and cursor only' },
  )
  .optional();

/** userId may be left out when the caller is identified by a JWT (USER_AUTH=jwt). */
export const CouponRequestBody = object({ userId: Id.optional() });

export const CouponPath = z.object({ couponId: Id }, { error: 'couponId is required in the path' });
export const CouponUserPath = z.object(
  { couponId: Id, userId: Id },
  { error: 'couponId and userId are required in the path' },
);
export const UserPath = z.object({ userId: Id }, { error: 'userId is required in the path' });
