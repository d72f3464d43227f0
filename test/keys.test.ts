import calculateSlot from 'cluster-key-slot';
import { expect, it } from 'vitest';
import { SLOTS, sentinelKey } from '#adapters/redis/keys';

// The sentinels' names are stored data: a deployed Redis holds them, and a name that changed
// between versions would read as every slot lost (and every coupon restored) after a deploy.

it("names each slot's sentinel with the first tag s0, s1, ... (base 36) in that slot, whatever the order of asking", () => {
  // The rule, as plainly as it can be written: the first candidate to fall in a slot names it.
  const expected = new Map<number, string>();
  for (let n = 0; expected.size < SLOTS; n++) {
    const tag = `s${n.toString(36)}`;
    const slot = calculateSlot(tag);
    if (!expected.has(slot)) expected.set(slot, tag);
  }
  // A few slots first, out of order, as requests for coupons ask; then all of them.
  const asked = [12_182, 5000, 16_383, 0, 1, 12_182, ...Array.from({ length: SLOTS }, (_, slot) => slot)];
  for (const slot of asked) {
    const key = sentinelKey(slot);
    expect(key).toBe(`coupon:alive:{${expected.get(slot)}}`);
    expect(calculateSlot(key)).toBe(slot);
  }
  // The names deployed stacks hold, pinned.
  expect([0, 1, 5000, 12_182, 16_383].map(sentinelKey)).toEqual([
    'coupon:alive:{s96h}',
    'coupon:alive:{seth}',
    'coupon:alive:{s4mu}',
    'coupon:alive:{s385}',
    'coupon:alive:{sh4k}',
  ]);
  // No slot outside Redis Cluster's: a search for one would never end.
  for (const slot of [SLOTS, -1, 1.5]) expect(() => sentinelKey(slot)).toThrow(RangeError);
});
