// The API as an OpenAPI 3.1 document, generated from the route table: each route's method,
// path, parameters and body come from the same zod schemas its handler validates with (zod's
// JSON Schema output is draft 2020-12, OpenAPI 3.1's dialect). What the table does not hold,
// the answers of each route, is described here, keyed by route name so that a new route does
// not compile until it is described. The local runtime serves it at /openapi.json.

import { z } from 'zod';
import { MAX_BODY_BYTES } from '#commons/schemas';
import { ROUTES, type Route, type RouteName } from '#functions/routes';
import { version } from '../package.json';

const ErrorBody = z
  .looseObject({ error: z.string().describe('A code, such as INVALID_REQUEST'), message: z.string() })
  .describe('Every error: a code and a sentence saying what to do');
const iso = z.string().describe('ISO 8601 time');
const Coupon = z.looseObject({ couponId: z.string(), name: z.string(), stock: z.int(), createdAt: iso });
const CouponView = Coupon.extend({
  available: z.int().describe('stock - queued - issued'),
  queued: z.int().describe('users waiting'),
  issued: z.int().describe('decided winners'),
  pending: z.int().describe('issued, not yet confirmed in DynamoDB'),
});
const Queued = z.looseObject({ status: z.literal('QUEUED'), position: z.int().min(1) });
const Refused = z.looseObject({ status: z.string(), error: z.string(), message: z.string() });
const RequestStatus = z.looseObject({
  status: z.string().describe('QUEUED, ISSUED, SOLD_OUT or NOT_REQUESTED'),
  position: z.int().min(1).optional(),
  issuedAt: iso.optional(),
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
  'Redis or DynamoDB unavailable; nothing changed; retry (retry-after)',
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
    201: ['The coupon, created and open', Coupon],
    ...withBody,
    ...asAdmin,
    409: ['A coupon with this id exists', ErrorBody],
    503: unavailable,
  },
  GetCoupon: {
    200: ['The definition and live counters', CouponView],
    400: invalid,
    ...asAdmin,
    404: ['No such coupon', ErrorBody],
    503: unavailable,
  },
  RequestCoupon: {
    202: ['Queued: this user will get the coupon', Queued],
    ...withBody,
    ...asUser,
    404: ['No such coupon', ErrorBody],
    409: ['ALREADY_ISSUED: the user holds the coupon', Refused],
    410: ['SOLD_OUT: the queue holds as many users as there is stock left', Refused],
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

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') => {
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
