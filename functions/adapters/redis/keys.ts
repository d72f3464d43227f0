import calculateSlot from 'cluster-key-slot';

/** Hash slots of Redis Cluster; a single node uses the same key names. */
export const SLOTS = 16_384;

/**
 * Every key of one coupon shares the hash tag {couponId}, so each script touches one Redis
 * Cluster slot. The slot's sentinel is in that slot too: when Redis loses the slot's data, the
 * sentinel goes with it, which tells "Redis forgot this coupon" from "no such coupon".
 */
export function couponKeys(couponId: string, slot = slotOf(couponId)) {
  return {
    state: `coupon:{${couponId}}`,
    queue: `coupon:queue:{${couponId}}`,
    issued: `coupon:issued:{${couponId}}`,
    pending: `coupon:pending:{${couponId}}`,
    sentinel: sentinelKey(slot),
  };
}

export type CouponKeys = ReturnType<typeof couponKeys>;

/** The slot of a coupon's keys. */
export function slotOf(couponId: string): number {
  return calculateSlot(couponId);
}

const tags = new Map<number, string>();

/**
 * A short hash tag that falls in `slot`: found by trying s0, s1, ... (about 16,000 tries for a
 * slot on average, well under a millisecond), then remembered.
 */
function tagFor(slot: number): string {
  let tag = tags.get(slot);
  if (tag === undefined) {
    for (let n = 0; ; n++) {
      const candidate = `s${n.toString(36)}`;
      const candidateSlot = calculateSlot(candidate);
      if (!tags.has(candidateSlot)) tags.set(candidateSlot, candidate);
      if (candidateSlot === slot) break;
    }
    tag = tags.get(slot) as string;
  }
  return tag;
}

export function sentinelKey(slot: number): string {
  return `coupon:alive:{${tagFor(slot)}}`;
}
