// The HTTP API's routes, in one place: the local runtime serves them, the CDK stack provisions
// them (each function's access derived from what its route `needs`) and the OpenAPI document
// (local/openapi.ts) describes them. `handler` names a module in functions/handlers/; `request`
// holds the schemas its handler validates the request with.

import {
  COUPONS_BY_CREATION_INDEX,
  ISSUED_BY_COUPON_INDEX,
  LIVE_COUPONS_INDEX,
} from './adapters/dynamodb/schema';
import {
  AddStockBody,
  ChangeWindowBody,
  CouponPath,
  CouponRequestBody,
  CouponUserPath,
  CreateCouponBody,
  ListQuery,
  type RouteRequest,
  UserPath,
} from './commons/schemas';

export type RouteAccess = 'admin' | 'user' | 'public';

/** DynamoDB actions a function may take on a table's items. */
export type TableAction = 'GetItem' | 'BatchGetItem' | 'PutItem' | 'UpdateItem' | 'Query';

export interface Needs {
  /** Reaches Redis (so it runs in the VPC, and may connect to the cache). */
  redis: boolean;
  /** Item actions on the table, and the indexes it queries, by name. */
  coupons?: { table?: TableAction[]; queries?: string[] };
  issued?: { table?: TableAction[]; queries?: string[] };
}

export interface Route {
  /** A stable name for the route's function and construct ids. */
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** API Gateway's path syntax: {param} matches one segment. */
  path: string;
  handler: string;
  access: RouteAccess;
  /** One line for the API's documentation. */
  summary: string;
  /** Path parameters, query and body, as the handler validates them (requestSchema). */
  request: RouteRequest;
  /** What its function reaches: the stack grants exactly this. */
  needs: Needs;
  /**
   * Called by every shopper of a sale in its first seconds (the request and its status): the
   * stack pre-warms it with `prewarm`, and leaves its tracing to Lambda unless saleRouteTracing=sdk.
   */
  sale?: true;
}

export const ROUTES = [
  {
    name: 'CreateCoupon',
    method: 'POST',
    path: '/coupons',
    handler: 'create-coupon',
    access: 'admin',
    summary: 'Define a coupon (with its sale window) and open its queue',
    request: { body: CreateCouponBody },
    // UpdateItem: a repeated create restores a coupon Redis lost (the generation is bumped).
    needs: { redis: true, coupons: { table: ['PutItem', 'GetItem', 'UpdateItem'] } },
  },
  {
    name: 'ListCoupons',
    method: 'GET',
    path: '/coupons',
    handler: 'list-coupons',
    access: 'admin',
    summary: 'Coupons, newest first, page by page, each with its state',
    request: { query: ListQuery },
    needs: { redis: true, coupons: { table: ['BatchGetItem'], queries: [COUPONS_BY_CREATION_INDEX.name] } },
  },
  {
    name: 'GetCoupon',
    method: 'GET',
    path: '/coupons/{couponId}',
    handler: 'get-coupon',
    access: 'admin',
    summary: 'A coupon: its definition, state, ledger count and live counters',
    request: { path: CouponPath },
    needs: { redis: true, coupons: { table: ['GetItem'] } },
  },
  {
    name: 'ChangeWindow',
    method: 'PATCH',
    path: '/coupons/{couponId}',
    handler: 'change-window',
    access: 'admin',
    summary: "Open, close or move a coupon's sale window",
    request: { path: CouponPath, body: ChangeWindowBody },
    needs: { redis: true, coupons: { table: ['GetItem', 'UpdateItem'] } },
  },
  {
    name: 'AddStock',
    method: 'POST',
    path: '/coupons/{couponId}/stock',
    handler: 'add-stock',
    access: 'admin',
    summary: 'Add stock to a coupon that is not finished',
    request: { path: CouponPath, body: AddStockBody },
    needs: { redis: true, coupons: { table: ['GetItem', 'UpdateItem'] } },
  },
  {
    name: 'RequestCoupon',
    method: 'POST',
    path: '/coupons/{couponId}/requests',
    handler: 'request-coupon',
    access: 'user',
    summary: 'Ask for a coupon: first come, first served',
    request: { path: CouponPath, body: CouponRequestBody },
    // GetItem: only for a finished coupon whose holders Redis no longer keeps.
    needs: { redis: true, issued: { table: ['GetItem'] } },
    sale: true,
  },
  {
    name: 'GetRequest',
    method: 'GET',
    path: '/coupons/{couponId}/requests/{userId}',
    handler: 'get-request',
    access: 'user',
    summary: 'Where a user stands for a coupon, with its state and window',
    request: { path: CouponUserPath },
    needs: { redis: true, issued: { table: ['GetItem'] } },
    sale: true,
  },
  {
    name: 'UserCoupons',
    method: 'GET',
    path: '/users/{userId}/coupons',
    handler: 'user-coupons',
    access: 'user',
    summary: 'The coupons a user holds',
    request: { path: UserPath },
    needs: { redis: false, issued: { table: ['Query'] } },
  },
  {
    name: 'Health',
    method: 'GET',
    path: '/health',
    handler: 'health',
    access: 'public',
    summary: 'The API is up (touches no store)',
    request: {},
    needs: { redis: false },
  },
] as const satisfies readonly Route[];

export type RouteName = (typeof ROUTES)[number]['name'];

/** A route by name, with its exact type: a handler takes its request schemas from here. */
export function route<N extends RouteName>(name: N): Extract<(typeof ROUTES)[number], { name: N }> {
  return ROUTES.find((r) => r.name === name) as Extract<(typeof ROUTES)[number], { name: N }>;
}

/**
 * The methods served at a path template (every path when none is given): each route's method,
 * and HEAD wherever GET is. What `Allow` lists, with OPTIONS, and what CORS allows.
 */
export function methodsAt(path?: string): string[] {
  const methods = new Set<string>();
  for (const r of ROUTES as readonly Route[]) {
    if (path !== undefined && r.path !== path) continue;
    methods.add(r.method);
    if (r.method === 'GET') methods.add('HEAD');
  }
  return [...methods].sort();
}

/** Every distinct path template of the route table. */
export const PATHS: readonly string[] = [...new Set(ROUTES.map((r) => r.path))];

/**
 * The drain: ledger transactions (rows put in the issued table, the count updated in the coupons
 * table), the live coupons and their restores, holders read back by index.
 */
export const DRAIN_NEEDS: Needs = {
  redis: true,
  coupons: {
    table: ['GetItem', 'BatchGetItem', 'UpdateItem'],
    queries: [LIVE_COUPONS_INDEX.name, COUPONS_BY_CREATION_INDEX.name],
  },
  issued: { table: ['PutItem', 'GetItem'], queries: [ISSUED_BY_COUPON_INDEX.name] },
};
