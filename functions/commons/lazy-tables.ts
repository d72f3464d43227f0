import type { IssuedCouponStore } from '#domain/ports';
import { tablesConfig } from './config';

/**
 * The issued table for the request and status functions, which read it only for a finished
 * coupon whose Redis keys expired. Its DynamoDB client (the AWS SDK, a chunk of its own in the
 * bundle) is loaded and made at the first such read, not at init; the configuration is still
 * checked at init, so a missing variable fails there.
 */
export function lazyIssuedCouponStore(): Pick<IssuedCouponStore, 'holding'> {
  tablesConfig();
  let store: Promise<Pick<IssuedCouponStore, 'holding'>> | undefined;
  return {
    async holding(couponId, userId) {
      store ??= import('./tables').then(
        (tables) => tables.issuedCouponStore(),
        (error: unknown) => {
          store = undefined;
          throw error;
        },
      );
      return (await store).holding(couponId, userId);
    },
  };
}
