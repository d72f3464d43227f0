import { z } from 'zod';

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

export const CreateCouponBody = object({
  couponId: Id,
  name: z
    .string({ error: 'must be a string' })
    .trim()
    .min(1, 'must not be empty')
    .max(200, 'must be at most 200 characters'),
  stock: z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(10_000_000, 'must be at most 10000000'),
});

/** userId may be left out when the caller is identified by a JWT (USER_AUTH=jwt). */
export const CouponRequestBody = object({ userId: Id.optional() });

export const CouponPath = z.object({ couponId: Id }, { error: 'couponId is required in the path' });
export const CouponUserPath = z.object(
  { couponId: Id, userId: Id },
  { error: 'couponId and userId are required in the path' },
);
export const UserPath = z.object({ userId: Id }, { error: 'userId is required in the path' });
