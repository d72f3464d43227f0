import { z } from 'zod';

// Request schemas: each message says what to send instead. No side effects: the local runtime
// imports this before the environment the handlers read is set.

/** Larger bodies are refused before parsing (413): no valid request comes near this. */
export const MAX_BODY_BYTES = 16 * 1024;

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

const STOCK = { min: 1, max: 10_000_000 };

export const CreateCouponBody = object({
  couponId: Id,
  // Kept exactly as sent, so whitespace at either end is refused rather than silently trimmed.
  name: z
    .string({ error: 'must be a string' })
    .min(1, 'must not be empty')
    .max(200, 'must be at most 200 characters')
    .regex(/^(?:\S(?:[\s\S]*\S)?)?$/, 'must not start or end with whitespace'),
  stock: z
    .number({
      // JSON.parse reads 1e400 as Infinity: out of range, not "not a number".
      error: (issue) =>
        issue.input === Number.POSITIVE_INFINITY
          ? `must be at most ${STOCK.max}`
          : issue.input === Number.NEGATIVE_INFINITY
            ? `must be at least ${STOCK.min}`
            : 'must be a number',
    })
    .int('must be a whole number')
    .min(STOCK.min, `must be at least ${STOCK.min}`)
    .max(STOCK.max, `must be at most ${STOCK.max}`),
});

/** userId may be left out when the caller is identified by a JWT (USER_AUTH=jwt). */
export const CouponRequestBody = object({ userId: Id.optional() });

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
  path?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
}

type None = Record<never, never>;
type EventShape<R extends RouteRequest> = (R['path'] extends z.ZodType
  ? { pathParameters: R['path'] }
  : None) &
  (R['query'] extends z.ZodType ? { queryStringParameters: z.ZodPipe<z.ZodTransform, R['query']> } : None) &
  (R['body'] extends z.ZodType ? { body: ReturnType<typeof jsonBody<R['body']>> } : None);

/** The parser schema of a route's event: the parts `request` names, each checked by its schema. */
export function requestSchema<R extends RouteRequest>(request: R): z.ZodObject<EventShape<R>> {
  const shape: Record<string, z.ZodType> = {};
  if (request.path) shape.pathParameters = request.path;
  // API Gateway leaves queryStringParameters out when there is no query string.
  if (request.query) shape.queryStringParameters = z.preprocess((value) => value ?? {}, request.query);
  if (request.body) shape.body = jsonBody(request.body);
  return z.object(shape) as unknown as z.ZodObject<EventShape<R>>;
}
