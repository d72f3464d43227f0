// The application's CloudWatch metrics, named once: the handlers publish them and the stack's
// alarms and dashboard read them, so a rename cannot silently break an alarm.

export const DEFAULT_SERVICE_NAME = 'fcfs-coupons';
export const DEFAULT_METRICS_NAMESPACE = 'FcfsCoupons';

export const METRIC = {
  /** Requests answered QUEUED, ALREADY_ISSUED, SOLD_OUT, NOT_OPEN, CLOSED. */
  queued: 'Queued',
  alreadyIssued: 'AlreadyIssued',
  soldOut: 'SoldOut',
  notOpen: 'NotOpen',
  closed: 'Closed',
  couponsCreated: 'CouponsCreated',
  /** Responses by class, from every API function. */
  http5xx: 'Http5xx',
  /** Per drain tick. */
  issued: 'Issued',
  persisted: 'Persisted',
  recovered: 'Recovered',
  persistFailed: 'PersistFailed',
  queueDepth: 'QueueDepth',
  pendingDepth: 'PendingDepth',
  drainLag: 'DrainLag',
  pendingAge: 'PendingAge',
  drainErrors: 'DrainErrors',
  /** Coupons whose Redis state was gone and was rebuilt from the ledger (a loss, or a create cut short). */
  restored: 'CouponsRestored',
  /** Sentinels found gone: Redis lost data in their slots. */
  sentinelsMissing: 'SentinelsMissing',
  /** Claims the ledger fenced off (made on a lost state) or refused (no stock left in the ledger). */
  fenced: 'ClaimsFenced',
  refused: 'ClaimsRefused',
  /** Claimed users who already held the coupon in DynamoDB (Redis had forgotten them). */
  heldBefore: 'HeldBefore',
  couponsFinished: 'CouponsFinished',
} as const;
