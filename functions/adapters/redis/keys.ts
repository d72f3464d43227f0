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

/**
 * CRC-16/XMODEM one byte at a time: the hash Redis Cluster takes a key's slot from (its low 14
 * bits), as cluster-key-slot computes it for whole keys. The search below extends one prefix's
 * CRC by each last digit instead of hashing every candidate whole (test/keys.test.ts checks every
 * slot's tag against cluster-key-slot).
 */
const CRC16 = Uint16Array.from({ length: 256 }, (_, byte) => {
  let crc = byte << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
  return crc & 0xffff;
});
const crcByte = (crc: number, byte: number) =>
  (CRC16[((crc >> 8) ^ byte) & 0xff] as number) ^ ((crc << 8) & 0xffff);
const DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz';

/** Each slot's tag, once found; the search has tried every candidate before `s{prefix}0`. */
const tags: (string | undefined)[] = new Array(SLOTS);
let prefix = 0;

/**
 * A short hash tag that falls in `slot`: the first of s0, s1, ..., sz, s10, ... (a number in base
 * 36) that does, about 16,000 tries for a slot on average. Tags found on the way are kept, and a
 * later search goes on where this one stopped. The same tags for every process and version,
 * since they name the sentinels.
 */
function tagFor(slot: number): string {
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOTS) throw new RangeError(`No hash slot ${slot}`);
  while (tags[slot] === undefined) {
    // The 36 candidates s{prefix}0 ... s{prefix}z (for prefix 0: s0 ... sz).
    const head = prefix === 0 ? 's' : `s${prefix.toString(36)}`;
    let crc = 0;
    for (let i = 0; i < head.length; i++) crc = crcByte(crc, head.charCodeAt(i));
    for (let d = 0; d < 36; d++) {
      const candidateSlot = crcByte(crc, DIGITS.charCodeAt(d)) & (SLOTS - 1);
      tags[candidateSlot] ??= head + DIGITS[d];
    }
    prefix++;
  }
  return tags[slot];
}

export function sentinelKey(slot: number): string {
  return `coupon:alive:{${tagFor(slot)}}`;
}
