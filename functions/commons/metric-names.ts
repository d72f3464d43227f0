// The application's CloudWatch metrics, named once: the handlers publish them and the stack's
// alarms and dashboard read them, so a rename cannot silently break an alarm.

export const DEFAULT_SERVICE_NAME = 'fcfs-coupons';
export const DEFAULT_METRICS_NAMESPACE = 'FcfsCoupons';

export const METRIC = {
  /** Requests answered QUEUED, ALREADY_ISSUED, SOLD_OUT. */
  queued: 'Queued',
  alreadyIssued: 'AlreadyIssued',
  soldOut: 'SoldOut',
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
} as const;
