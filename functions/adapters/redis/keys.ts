/**
 * Every key of one coupon shares the hash tag {couponId}, so each script touches one Redis
 * Cluster slot. The list of open coupons is a key of its own, only ever used alone.
 */
export function couponKeys(couponId: string) {
  return {
    stock: `coupon:stock:{${couponId}}`,
    queue: `coupon:queue:{${couponId}}`,
    issued: `coupon:issued:{${couponId}}`,
    pending: `coupon:pending:{${couponId}}`,
    seq: `coupon:seq:{${couponId}}`,
  };
}

export const OPEN_COUPONS_KEY = 'coupon:open';
