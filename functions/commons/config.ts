// Configuration from the environment, read once at cold start. A missing or malformed variable
// stops the function there with a message that names it, never at the first request.

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`Environment variable ${name} is required but not set.`);
  return value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `Environment variable ${name} must be an integer from ${min} to ${max}, got "${raw}".`,
    );
  }
  return value;
}

function flag(env: Env, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new ConfigError(`Environment variable ${name} must be true or false, got "${env[name]}".`);
}

export interface RedisConfig {
  /** redis://host:port or rediss://host:port (TLS); for a cluster, a comma-separated list of seed nodes. */
  urls: string[];
  cluster: boolean;
  /** Prefix for every key: lets several deployments or test runs share one Redis. */
  keyPrefix: string;
  /** Bound on connecting and on each command, so that a Redis outage answers fast instead of hanging. */
  timeoutMs: number;
}

export function redisConfig(env: Env = process.env): RedisConfig {
  const urls = required(env, 'REDIS_URL')
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
  for (const url of urls) {
    if (!/^rediss?:\/\//.test(url)) {
      throw new ConfigError(`REDIS_URL must hold redis:// or rediss:// URLs, got "${url}".`);
    }
  }
  return {
    urls,
    cluster: flag(env, 'REDIS_CLUSTER'),
    keyPrefix: env.REDIS_KEY_PREFIX ?? '',
    timeoutMs: integer(env, 'REDIS_TIMEOUT_MS', 1000, 50, 60_000),
  };
}

export interface TablesConfig {
  couponsTable: string;
  issuedTable: string;
  /** For a DynamoDB-compatible server (local runs and tests); unset on AWS. */
  endpoint?: string;
  /** Bound on each DynamoDB call. */
  timeoutMs: number;
}

export function tablesConfig(env: Env = process.env): TablesConfig {
  return {
    couponsTable: required(env, 'COUPONS_TABLE'),
    issuedTable: required(env, 'ISSUED_TABLE'),
    endpoint: env.DYNAMODB_ENDPOINT?.trim() || undefined,
    timeoutMs: integer(env, 'DYNAMODB_TIMEOUT_MS', 3000, 100, 60_000),
  };
}

export interface DrainConfig {
  intervalMs: number;
  /** How long one invocation keeps starting ticks (under the schedule's one minute). */
  windowMs: number;
  batchSize: number;
  /** Coupons drained at once in one tick. */
  couponConcurrency: number;
  pendingTimeoutMs: number;
  /** How long a finished coupon's queue, issued and pending keys stay in Redis. */
  finishGraceMs: number;
  /** Rows per ledger transaction (besides the ledger item; TransactWriteItems takes 100 actions). */
  transactionRows: number;
}

export function drainConfig(env: Env = process.env): DrainConfig {
  return {
    intervalMs: integer(env, 'DRAIN_INTERVAL_MS', 5000, 10, 60_000),
    windowMs: integer(env, 'DRAIN_WINDOW_MS', 55_000, 0, 900_000),
    batchSize: integer(env, 'DRAIN_BATCH_SIZE', 500, 1, 10_000),
    couponConcurrency: integer(env, 'DRAIN_COUPON_CONCURRENCY', 8, 1, 256),
    pendingTimeoutMs: integer(env, 'PENDING_TIMEOUT_MS', 30_000, 100, 3_600_000),
    finishGraceMs: integer(env, 'FINISHED_GRACE_MS', 3 * 24 * 3_600_000, 0, 365 * 24 * 3_600_000),
    transactionRows: integer(env, 'DRAIN_TRANSACTION_ROWS', 99, 1, 99),
  };
}
