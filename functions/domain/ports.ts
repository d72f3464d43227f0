import type {
  Admission,
  Claim,
  CommitOutcome,
  Coupon,
  CouponHolder,
  CouponPage,
  CouponPhase,
  CouponRecord,
  FinishReason,
  HolderPage,
  IssuedCoupon,
  QueueSnapshot,
  Reclaim,
  RequestStatus,
  SaleWindow,
} from './model';

/** What the queue says of a coupon it cannot answer for. */
export type Unanswered =
  /** Never opened here (or opened elsewhere): the catalog decides. */
  | 'UNKNOWN'
  /** Redis lost it (the slot's sentinel went with it), or its holders are being loaded back. */
  | 'LOST'
  | 'RESTORING';

/** A finished coupon whose holders Redis no longer keeps: the issued table decides. */
export interface HolderUnknown {
  status: 'HOLDER_UNKNOWN';
  reason: FinishReason;
}

/** How a coupon's state is written into the queue: open, restore, or a finished coupon's answers. */
export interface QueueRestore {
  generation: number;
  /** The catalog version of the definition written. */
  version: number;
  total: number;
  stockLeft: number;
  /** Epoch ms; 0 for none. */
  opensAt: number;
  closesAt: number;
  /** Holders of record will be loaded (loadHolders): requests wait until the last page. */
  loadHolders: boolean;
  finished?: FinishReason;
}

/**
 * The waiting queue, the issued set, the stock and the pending claims of every coupon (Redis).
 * Each method is one atomic step on one coupon.
 */
export interface CouponQueue {
  /** Redis's clock, epoch ms. */
  now(): Promise<number>;
  /** Writes a coupon's state for a ledger generation (see restore.lua). */
  restore(couponId: string, state: QueueRestore): Promise<'CREATED' | 'ADOPTED' | 'CURRENT'>;
  /** Loads a page of holders into a coupon being restored; no `next` page ends the restore. */
  loadHolders(
    couponId: string,
    generation: number,
    holders: CouponHolder[],
    next: string | undefined,
  ): Promise<boolean>;
  /** Where a restore left off loading holders. */
  restoreCursor(couponId: string): Promise<string | undefined>;
  admit(couponId: string, userId: string): Promise<Admission | HolderUnknown | Unanswered>;
  status(
    couponId: string,
    userId: string,
  ): Promise<RequestStatus | (HolderUnknown & CouponPhase) | Unanswered>;
  snapshot(couponId: string): Promise<QueueSnapshot | 'UNKNOWN' | 'LOST'>;
  /**
   * Brings the state in line with the catalog: window and stock when the record's version is newer
   * than the state's (an older record never undoes a newer change), a later generation. true when
   * it changed.
   */
  sync(
    couponId: string,
    record: Pick<CouponRecord, 'stock' | 'opensAt' | 'closesAt' | 'ledger' | 'version'>,
  ): Promise<boolean>;
  /** Pops up to `max` users in FCFS order, issues them and records them as pending. */
  claim(couponId: string, max: number): Promise<Claim | 'MISSING' | 'RESTORING'>;
  /** Leases again up to `max` pending claims older than `timeoutMs`, with their content. */
  reclaim(couponId: string, timeoutMs: number, max: number): Promise<Reclaim | 'MISSING'>;
  /** Settles claims the ledger answered (see settle.lua). */
  settle(
    couponId: string,
    generation: number,
    outcome: Pick<CommitOutcome, 'persisted' | 'heldBefore' | 'refused'>,
  ): Promise<void>;
  /**
   * Marks a drained coupon finished (or finds it so); its big keys expire after `graceMs`. The
   * reason, with the version and generation of the state that finished.
   */
  finish(
    couponId: string,
    graceMs: number,
  ): Promise<{ reason: FinishReason; version: number; generation: number } | undefined>;
  /** Sentinel keys that are gone: every slot's sentinel vanishes with the data when Redis loses it. */
  missingSentinels(): Promise<number[]>;
  /** Puts back the sentinels of these slots (after the coupons in them were restored). */
  createSentinels(slots: number[]): Promise<void>;
  /** The sentinel slot of a coupon. */
  slotOf(couponId: string): number;
}

/** The issued coupons of record and the ledger that counts them (DynamoDB). */
export interface IssuedCouponStore {
  /**
   * Writes claims of one generation with the ledger's count, in transactions: a row is put only
   * if absent, the count rises only within the stock and only for that generation. Gives up on
   * what is not written by `deadline` (epoch ms).
   */
  commit(
    couponId: string,
    generation: number,
    rows: IssuedCoupon[],
    deadline: number,
  ): Promise<CommitOutcome>;
  listByUser(userId: string): Promise<IssuedCoupon[]>;
  /** One user's row for one coupon (a consistent read). */
  holding(couponId: string, userId: string): Promise<IssuedCoupon | undefined>;
  /** A page of a coupon's holders (an index: eventually consistent). */
  holders(couponId: string, cursor: string | undefined, limit: number): Promise<HolderPage>;
}

/** Coupon definitions, their ledgers and their lifecycle (DynamoDB). */
export interface CouponCatalog {
  /** 'EXISTS' when a coupon with that id exists already (not one this very call created). */
  create(coupon: Coupon, requestToken: string): Promise<'CREATED' | 'EXISTS'>;
  get(couponId: string): Promise<CouponRecord | undefined>;
  getMany(couponIds: string[]): Promise<CouponRecord[]>;
  /** Newest first. */
  list(limit: number, cursor: string | undefined): Promise<CouponPage<CouponRecord>>;
  /** Coupons not finished yet: the ones the drain visits (consistent reads). */
  live(): Promise<CouponRecord[]>;
  /** Every coupon id ever created, newest first, page by page. */
  allIds(cursor: string | undefined): Promise<CouponPage<string>>;
  /** Bumps the ledger generation if it is still `seen`; the record after, or undefined if it moved. */
  bumpGeneration(couponId: string, seen: number): Promise<CouponRecord | undefined>;
  /** Sets a live coupon's window; undefined when it is finished (or unknown). */
  setWindow(couponId: string, window: SaleWindow): Promise<CouponRecord | undefined>;
  /** Adds stock to a live coupon, once per request token; undefined when it is finished (or unknown). */
  addStock(couponId: string, add: number, requestToken: string): Promise<CouponRecord | undefined>;
  /** Marks a coupon finished if its version and generation are still these; false if they moved. */
  finish(
    couponId: string,
    reason: FinishReason,
    expected: { version: number; generation: number },
  ): Promise<boolean>;
}
