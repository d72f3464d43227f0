import * as z from 'zod/mini';
import { MAX_STOCK } from '#domain/coupons';

// Request schemas: each message says what to send instead. Zod Mini, whose functional API lets a
// bundle keep only the checks it uses (a tenth of the code of classic Zod) and builds schemas
// faster: both count in a function's cold start. No side effects: the local runtime imports this
// before the environment the handlers read is set.

/** Larger bodies are refused before parsing (413): no valid request comes near this. */
export const MAX_BODY_BYTES = 16 * 1024;

export const Id = z
  .string({ error: 'must be a string' })
  .check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 characters: letters, digits, "_" or "-"'));

/** A JSON request body, parsed, then checked against `schema`. */
export function jsonBody<T extends z.ZodMiniType>(schema: T) {
  return z.pipe(
    z.pipe(
      z.string({ error: 'is required: send a JSON object' }),
      z.transform((text: string, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.issues.push({ code: 'custom', message: 'is not valid JSON', input: text, continue: false });
          return z.NEVER;
        }
      }),
    ),
    schema,
  );
}

const object = <T extends z.core.$ZodLooseShape>(shape: T) =>
  z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `has unknown field(s): ${issue.keys.join(', ')}`
        : 'must be a JSON object',
  });

/** An instant, ISO 8601 with a time zone (Z or an offset), normalized to UTC. */
const Instant = z.pipe(
  z.iso.datetime({
    offset: true,
    error: 'must be an ISO 8601 time with a time zone, e.g. 2026-11-27T10:00:00Z',
  }),
  z.transform((text: string) => new Date(text).toISOString()),
);

const STOCK = { min: 1, max: MAX_STOCK };

/** A whole number of coupons, from 1 to the most a coupon can have. */
const Stock = z
  .number({
    // JSON.parse reads 1e400 as Infinity: out of range, not "not a number".
    error: (issue) =>
      issue.input === Number.POSITIVE_INFINITY
        ? `must be at most ${STOCK.max}`
        : issue.input === Number.NEGATIVE_INFINITY
          ? `must be at least ${STOCK.min}`
          : 'must be a number',
  })
  .check(
    z.int('must be a whole number'),
    z.gte(STOCK.min, `must be at least ${STOCK.min}`),
    z.lte(STOCK.max, `must be at most ${STOCK.max}`),
  );

export const CreateCouponBody = object({
  couponId: Id,
  // Kept exactly as sent, so whitespace at either end is refused rather than silently trimmed.
  name: z
    .string({ error: 'must be a string' })
    .check(
      z.minLength(1, 'must not be empty'),
      z.maxLength(200, 'must be at most 200 characters'),
      z.regex(/^(?:\S(?:[\s\S]*\S)?)?$/, 'must not start or end with whitespace'),
    ),
  stock: Stock,
  opensAt: z.optional(Instant),
  closesAt: z.optional(Instant),
});

/** "now" (the server's clock) or an instant; closesAt may also be null: until sold out. */
export const ChangeWindowBody = object({
  opensAt: z.optional(z.union([z.literal('now'), Instant], { error: 'must be "now" or an ISO 8601 time' })),
  closesAt: z.optional(
    z.union([z.literal('now'), Instant, z.null()], { error: 'must be "now", an ISO 8601 time or null' }),
  ),
}).check(
  z.refine((body) => body.opensAt !== undefined || body.closesAt !== undefined, {
    message: 'must set opensAt, closesAt or both',
  }),
);

export const AddStockBody = object({ add: Stock });

export const ListQuery = z.object(
  {
    limit: z.optional(
      z
        .pipe(
          z.string().check(z.regex(/^\d{1,3}$/, 'must be a whole number from 1 to 100')),
          z.transform(Number),
        )
        .check(z.refine((n) => n >= 1 && n <= 100, 'must be a whole number from 1 to 100')),
    ),
    cursor: z.optional(z.string().check(z.maxLength(2048, 'is too long'))),
  },
  { error: 'must be limit and cursor only' },
);

/** userId may be left out when the caller is identified by a JWT (USER_AUTH=jwt). */
export const CouponRequestBody = object({ userId: z.optional(Id) });

export const CouponPath = z.object({ couponId: Id }, { error: 'couponId is required in the path' });
export const CouponUserPath = z.object(
  { couponId: Id, userId: Id },
  { error: 'couponId and userId are required in the path' },
);
export const UserPath = z.object({ userId: Id }, { error: 'userId is required in the path' });

/**
 * What a route's request carries, as its handler validates it (functions/routes.ts): the path
 * parameters, the query string and the JSON body. The OpenAPI document is generated from these.
 */
export interface RouteRequest {
  path?: z.ZodMiniObject;
  query?: z.ZodMiniObject;
  body?: z.ZodMiniType;
}

type None = Record<never, never>;
type EventShape<R extends RouteRequest> = (R['path'] extends z.ZodMiniType
  ? { pathParameters: R['path'] }
  : None) &
  (R['query'] extends z.ZodMiniType
    ? { queryStringParameters: z.ZodMiniPipe<z.ZodMiniTransform, R['query']> }
    : None) &
  (R['body'] extends z.ZodMiniType ? { body: ReturnType<typeof jsonBody<R['body']>> } : None);

/** The parser schema of a route's event: the parts `request` names, each checked by its schema. */
export function requestSchema<R extends RouteRequest>(request: R): z.ZodMiniObject<EventShape<R>> {
  const shape: Record<string, z.ZodMiniType> = {};
  if (request.path) shape.pathParameters = request.path;
  // API Gateway leaves queryStringParameters out when there is no query string.
  if (request.query) {
    shape.queryStringParameters = z.pipe(
      z.transform((value: unknown) => value ?? {}),
      request.query,
    );
  }
  if (request.body) shape.body = jsonBody(request.body);
  return z.object(shape) as unknown as z.ZodMiniObject<EventShape<R>>;
}
