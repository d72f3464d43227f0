import { ISSUED_SHARDS } from './schema';

/** The byCoupon index partition of a user's row: FNV-1a of the userId, so it never changes. */
export function couponShard(couponId: string, userId: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    hash ^= userId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return `${couponId}#${(hash >>> 0) % ISSUED_SHARDS}`;
}
