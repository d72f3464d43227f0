// The HTTP API's routes, in one place: the local runtime serves them and the CDK stack
// provisions them. `handler` names a module in functions/handlers/.

export type RouteAccess = 'admin' | 'user' | 'public';

export interface Route {
  /** A stable name for the route's function and construct ids. */
  name: string;
  method: 'GET' | 'POST';
  /** API Gateway's path syntax: {param} matches one segment. */
  path: string;
  handler: string;
  access: RouteAccess;
}

export const ROUTES: readonly Route[] = [
  { name: 'CreateCoupon', method: 'POST', path: '/coupons', handler: 'create-coupon', access: 'admin' },
  { name: 'GetCoupon', method: 'GET', path: '/coupons/{couponId}', handler: 'get-coupon', access: 'admin' },
  {
    name: 'RequestCoupon',
    method: 'POST',
    path: '/coupons/{couponId}/requests',
    handler: 'request-coupon',
    access: 'user',
  },
  {
    name: 'GetRequest',
    method: 'GET',
    path: '/coupons/{couponId}/requests/{userId}',
    handler: 'get-request',
    access: 'user',
  },
  {
    name: 'UserCoupons',
    method: 'GET',
    path: '/users/{userId}/coupons',
    handler: 'user-coupons',
    access: 'user',
  },
  { name: 'Health', method: 'GET', path: '/health', handler: 'health', access: 'public' },
];
