// The HTTP API's routes, in one place: the local runtime serves them, the CDK stack provisions
// them and the OpenAPI document (local/openapi.ts) describes them. `handler` names a module in
// functions/handlers/; `request` holds the schemas its handler validates the request with.

import {
  CouponPath,
  CouponRequestBody,
  CouponUserPath,
  CreateCouponBody,
  type RouteRequest,
  UserPath,
} from './commons/schemas';

export type RouteAccess = 'admin' | 'user' | 'public';

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
}

export const ROUTES = [
  {
    name: 'CreateCoupon',
    method: 'POST',
    path: '/coupons',
    handler: 'create-coupon',
    access: 'admin',
    summary: 'Define a coupon and open its queue',
    request: { body: CreateCouponBody },
  },
  {
    name: 'GetCoupon',
    method: 'GET',
    path: '/coupons/{couponId}',
    handler: 'get-coupon',
    access: 'admin',
    summary: 'A coupon: its definition and live counters',
    request: { path: CouponPath },
  },
  {
    name: 'RequestCoupon',
    method: 'POST',
    path: '/coupons/{couponId}/requests',
    handler: 'request-coupon',
    access: 'user',
    summary: 'Ask for a coupon: first come, first served',
    request: { path: CouponPath, body: CouponRequestBody },
  },
  {
    name: 'GetRequest',
    method: 'GET',
    path: '/coupons/{couponId}/requests/{userId}',
    handler: 'get-request',
    access: 'user',
    summary: 'Where a user stands for a coupon',
    request: { path: CouponUserPath },
  },
  {
    name: 'UserCoupons',
    method: 'GET',
    path: '/users/{userId}/coupons',
    handler: 'user-coupons',
    access: 'user',
    summary: 'The coupons a user holds',
    request: { path: UserPath },
  },
  {
    name: 'Health',
    method: 'GET',
    path: '/health',
    handler: 'health',
    access: 'public',
    summary: 'The API is up (touches no store)',
    request: {},
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
