// The API as an OpenAPI 3.1 document, generated from the route table: each route's method,
// path, parameters and body come from the same zod schemas its handler validates with (zod's
// JSON Schema output is draft 2020-12, OpenAPI 3.1's dialect). What the table does not hold,
// the answers of each route, is described here, keyed by route name so that a new route does
// not compile until it is described. The local runtime serves it at /openapi.json.

import { z } from 'zod';
import { MAX_BODY_BYTES } from '#commons/schemas';
import { COUPON_STATES } from '#domain/model';
import { ROUTES, type Route, type RouteName } from '#functions/routes';
import { version } from '../package.json';

const ErrorBody = z
  .looseObject({ error: z.string().describe('A code, such as INVALID_REQUEST'), message: z.string() })
  .describe('Every error: a code and a sentence saying what to do');
const iso = z.string().describe('ISO 8601 time');
const State = z.enum(COUPON_STATES).describe("The coupon's lifecycle state, on the server's clock");
const Coupon = z.looseObject({
  couponId: z.string(),
  name: z.string(),
  stock: z.int(),
  createdAt: iso,
  opensAt: iso.optional().describe('when requests start to be admitted'),
  closesAt: iso.optional().describe('when admissions stop'),
});
const CouponView = Coupon.extend({
  state: State,
  available: z.int().describe('stock left - queued'),
  queued: z.int().describe('users waiting'),
  issued: z.int().describe('decided winners'),
  pending: z.int().describe('issued, not yet confirmed in DynamoDB'),
  persisted: z.int().describe("rows in DynamoDB: the ledger's count"),
  oldestQueuedAt: iso.optional().describe('when the oldest waiting user was admitted'),
  now: iso.describe("the server's clock"),
});
const CouponList = z.looseObject({
  items: z.array(Coupon.extend({ state: z.union([State, z.literal('RESTORING')]) })),
  cursor: z.string().optional().describe('where the next page starts; absent on the last page'),
});
const Queued = z.looseObject({ status: z.literal('QUEUED'), position: z.int().min(1) });
const Refused = z.looseObject({ status: z.string(), error: z.string(), message: z.string() });
const NotOpen = Refused.extend({ opensAt: iso, now: iso.describe("the server's clock, to count down from") });
const RequestStatus = z.looseObject({
  status: z.string().describe('QUEUED, ISSUED, NOT_REQUESTED, NOT_OPEN, SOLD_OUT or CLOSED'),
  position: z.int().min(1).optional(),
  issuedAt: iso.optional(),
  state: State,
  opensAt: iso.optional(),
  closesAt: iso.optional(),
  now: iso,
});
const IssuedCoupons = z.looseObject({
  items: z.array(
    z.looseObject({ couponId: z.string(), userId: z.string(), issuedAt: iso, used: z.boolean() }),
  ),
});

type Answer = readonly [description: string, body?: z.ZodType];
type Answers = Readonly<Record<number, Answer>>;

const invalid: Answer = ['Invalid request: each bad field named', ErrorBody];
const unavailable: Answer = [
  'Redis or DynamoDB unavailable, saying whether the change may have been made; or COUPON_RESTORING while a coupon Redis lost is rebuilt (retry-after)',
  ErrorBody,
];
const withBody: Answers = {
  400: invalid,
  413: [`Body over ${MAX_BODY_BYTES / 1024} KiB`, ErrorBody],
  415: ['Body not sent as content-type: application/json', ErrorBody],
};
const asUser: Answers = {
  401: [
    'With a JWT authorizer: no valid bearer token (API Gateway answers {"message":"Unauthorized"} itself), or a token without sub',
    z.looseObject({ message: z.string() }),
  ],
  403: ['With a JWT authorizer: a userId that is not the token subject', ErrorBody],
};

const asAdmin: Answers = {
  403: [
    'On AWS, a caller without execute-api:Invoke (API Gateway answers {"message":"Forbidden"} itself)',
    z.looseObject({ message: z.string() }),
  ],
};

/** What each route answers, besides what every route may (405 for another method, 5xx). */
export const ANSWERS = {
  CreateCoupon: {
    201: ['The coupon, created and open (or scheduled)', Coupon],
    ...withBody,
    400: [
      'Invalid request (each bad field named), or INVALID_WINDOW: closesAt not in the future or not after opensAt',
      ErrorBody,
    ],
    ...asAdmin,
    409: ['A coupon with this id exists', ErrorBody],
    503: unavailable,
  },
  ListCoupons: {
    200: ['Coupons, newest first, each with its state', CouponList],
    400: ['Invalid limit, or INVALID_CURSOR: a cursor this API did not give', ErrorBody],
    ...asAdmin,
    503: unavailable,
  },
  GetCoupon: {
    200: ['The definition, state, window, ledger count and live counters', CouponView],
    400: invalid,
    ...asAdmin,
    404: ['No such coupon', ErrorBody],
    503: unavailable,
  },
  ChangeWindow: {
    200: ['The coupon with its new window', Coupon],
    ...withBody,
    400: ['Invalid request, or INVALID_WINDOW: closesAt not after opensAt', ErrorBody],
    ...asAdmin,
    404: ['No such coupon', ErrorBody],
    409: ['ALREADY_OPEN: the sale started, its opening can no longer move; or COUPON_FINISHED', ErrorBody],
    503: unavailable,
  },
  AddStock: {
    200: ['The coupon with its new stock, and the ledger count', Coupon.extend({ persisted: z.int() })],
    ...withBody,
    ...asAdmin,
    404: ['No such coupon', ErrorBody],
    409: ['COUPON_FINISHED, or STOCK_LIMIT: more than 10,000,000 in all', ErrorBody],
    503: unavailable,
  },
  RequestCoupon: {
    202: ['Queued: this user will get the coupon', Queued],
    ...withBody,
    ...asUser,
    404: ['No such coupon', ErrorBody],
    409: [
      'ALREADY_ISSUED: the user holds the coupon; or NOT_OPEN: before opensAt',
      z.union([Refused, NotOpen]),
    ],
    410: [
      'SOLD_OUT: the queue holds as many users as there is stock left; or CLOSED: after closesAt',
      Refused,
    ],
    503: unavailable,
  },
  GetRequest: {
    200: ['Where the user stands', RequestStatus],
    400: invalid,
    ...asUser,
    404: ['No such coupon', ErrorBody],
    503: unavailable,
  },
  UserCoupons: {
    200: ['The coupons the user holds, from DynamoDB', IssuedCoupons],
    400: invalid,
    ...asUser,
    503: unavailable,
  },
  Health: { 200: ['Up', z.looseObject({ status: z.literal('ok') })] },
} as const satisfies Record<RouteName, Answers>;

const jsonSchema = (schema: z.core.$ZodType, io: 'input' | 'output') => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
};

function operation(route: Route) {
  const { path, query, body } = route.request;
  const parameters = [
    ...Object.entries(path?.shape ?? {}).map(([name, schema]) => ({
      name,
      in: 'path',
      required: true,
      schema: jsonSchema(schema as z.ZodType, 'input'),
    })),
    ...Object.entries(query?.shape ?? {}).map(([name, schema]) => ({
      name,
      in: 'query',
      required: !(schema as z.ZodType).safeParse(undefined).success,
      schema: jsonSchema(schema as z.ZodType, 'input'),
    })),
  ];
  const answers: Answers = ANSWERS[route.name as RouteName];
  return {
    operationId: route.name,
    summary: route.summary,
    tags: [route.access],
    ...(route.access === 'admin' ? { security: [{ sigv4: [] }] } : {}),
    ...(route.access === 'user' ? { security: [{}, { jwt: [] }] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema(body, 'input') } },
          },
        }
      : {}),
    responses: Object.fromEntries(
      Object.entries(answers).map(([status, [description, schema]]) => [
        status,
        {
          description,
          ...(schema ? { content: { 'application/json': { schema: jsonSchema(schema, 'output') } } } : {}),
        },
      ]),
    ),
  };
}

/** The OpenAPI 3.1 document of every route in functions/routes.ts, and nothing else. */
export function openApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES as readonly Route[]) {
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, unknown>)[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'FCFS coupons',
      version,
      summary: 'First-come-first-served coupon issuance for flash sales',
      description:
        'Every response is JSON; every error is {"error": CODE, "message": TEXT}. Request bodies are JSON ' +
        `objects of at most ${MAX_BODY_BYTES / 1024} KiB with no unknown fields. Any other method on a path ` +
        'answers 405 with Allow; OPTIONS answers 204 with Allow. Unknown paths get API Gateway\'s own 404 {"message":"Not Found"}.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    tags: [
      { name: 'admin', description: 'On AWS: IAM (SigV4) with execute-api:Invoke' },
      { name: 'user', description: 'On AWS with a JWT issuer: a bearer token; the user is its sub' },
      { name: 'public', description: 'Open' },
    ],
    paths,
    components: {
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'AWS Signature Version 4 (API Gateway IAM authorization)',
        },
        jwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      },
    },
  };
}
