import { type CouponRecord, epochMs } from './model';
import type { CouponCatalog, CouponQueue, IssuedCouponStore, QueueRestore } from './ports';

/** The Redis state of a coupon as the catalog holds it: its generation, stock left and window. */
function stateOf(record: CouponRecord, loadHolders: boolean): QueueRestore {
  return {
    generation: record.ledger.generation,
    version: record.version,
    total: record.stock,
    stockLeft: record.ledger.remaining,
    opensAt: epochMs(record.opensAt),
    closesAt: epochMs(record.closesAt),
    loadHolders,
    finished: record.finished?.reason,
  };
}

/** Opens a coupon the catalog just created: its ledger generation, full stock, its window. */
export function openInQueue(queue: CouponQueue, record: CouponRecord) {
  return queue.restore(record.couponId, stateOf(record, false));
}

/**
 * Rebuilds a coupon whose Redis state is gone (Redis lost it, or a create was cut short): the
 * ledger's generation is bumped first, so no claim made on the lost state can be written after
 * this; the state is then written from the ledger after the bump (its exact stock left, its
 * window), and, where the ledger counts holders, marked as restoring until they are loaded back
 * (loadHolders; `restoring` says so): requests for it answer 503 meanwhile. Undefined when another
 * restore moved the generation first (it does the work).
 */
export async function restoreCoupon(
  ports: { catalog: CouponCatalog; queue: CouponQueue },
  record: CouponRecord,
): Promise<
  { record: CouponRecord; result: 'CREATED' | 'ADOPTED' | 'CURRENT'; restoring: boolean } | undefined
> {
  const bumped = await ports.catalog.bumpGeneration(record.couponId, record.ledger.generation);
  if (!bumped) return undefined;
  const restoring = !bumped.finished && bumped.ledger.issued > 0;
  const result = await ports.queue.restore(bumped.couponId, stateOf(bumped, restoring));
  return { record: bumped, result, restoring };
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
