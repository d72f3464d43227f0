import type { CouponRecord } from './model';
import type { CouponCatalog, CouponQueue, IssuedCouponStore } from './ports';

const ms = (iso: string | undefined) => (iso ? Date.parse(iso) : 0);

/** Opens a coupon the catalog just created: its ledger generation, full stock, its window. */
export function openInQueue(queue: CouponQueue, record: CouponRecord) {
  return queue.restore(record.couponId, {
    generation: record.ledger.generation,
    version: record.version,
    total: record.stock,
    stockLeft: record.ledger.remaining,
    opensAt: ms(record.opensAt),
    closesAt: ms(record.closesAt),
    loadHolders: false,
  });
}

/**
 * Rebuilds a coupon whose Redis state is gone (Redis lost it, or a create was cut short): the
 * ledger's generation is bumped first, so no claim made on the lost state can be written after
 * this; the state is then written from the ledger after the bump (its exact stock left, its
 * window), and, where the ledger counts holders, marked as restoring until they are loaded back
 * (loadHolders): requests for it answer 503 meanwhile. Undefined when another restore moved the
 * generation first (it does the work).
 */
export async function restoreCoupon(
  ports: { catalog: CouponCatalog; queue: CouponQueue },
  record: CouponRecord,
): Promise<{ record: CouponRecord; result: 'CREATED' | 'ADOPTED' | 'CURRENT' } | undefined> {
  const bumped = await ports.catalog.bumpGeneration(record.couponId, record.ledger.generation);
  if (!bumped) return undefined;
  const result = await ports.queue.restore(bumped.couponId, {
    generation: bumped.ledger.generation,
    version: bumped.version,
    total: bumped.stock,
    stockLeft: bumped.ledger.remaining,
    opensAt: ms(bumped.opensAt),
    closesAt: ms(bumped.closesAt),
    loadHolders: !bumped.finished && bumped.ledger.issued > 0,
    finished: bumped.finished?.reason,
  });
  return { record: bumped, result };
}

/**
 * Loads a restoring coupon's holders of record back into Redis, page by page from where the
 * last call left off, until done or `deadline`. true once every page is in.
 */
export async function loadHolders(
  ports: { queue: CouponQueue; store: IssuedCouponStore },
  couponId: string,
  generation: number,
  deadline: number,
  pageSize: number,
  clock: () => number = Date.now,
): Promise<boolean> {
  let cursor = await ports.queue.restoreCursor(couponId);
  do {
    const page = await ports.store.holders(couponId, cursor, pageSize);
    if (!(await ports.queue.loadHolders(couponId, generation, page.holders, page.cursor))) return false;
    cursor = page.cursor;
  } while (cursor !== undefined && clock() < deadline);
  return cursor === undefined;
}
