import type { ApiHandler } from '#commons/http';
import { ROUTES } from '#functions/routes';
import type { LocalRoute } from './api';

// Each route's handler module, loaded on demand: the environment must be set before the first
// one loads, because handler modules read it at load time, as on Lambda.
const MODULES: Record<string, () => Promise<{ handler: unknown }>> = {
  'create-coupon': () => import('#functions/handlers/create-coupon'),
  'list-coupons': () => import('#functions/handlers/list-coupons'),
  'get-coupon': () => import('#functions/handlers/get-coupon'),
  'change-window': () => import('#functions/handlers/change-window'),
  'add-stock': () => import('#functions/handlers/add-stock'),
  'request-coupon': () => import('#functions/handlers/request-coupon'),
  'get-request': () => import('#functions/handlers/get-request'),
  'user-coupons': () => import('#functions/handlers/user-coupons'),
  health: () => import('#functions/handlers/health'),
};

export const LOCAL_ROUTES: LocalRoute[] = ROUTES.map((route) => {
  const load = MODULES[route.handler];
  if (!load) throw new Error(`No module for handler ${route.handler}`);
  return { ...route, load: load as () => Promise<{ handler: ApiHandler }> };
});
