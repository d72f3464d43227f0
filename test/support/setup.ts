import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { ensureTables, localAwsEnvironment } from '#local/dynamodb';

// Runs before each test file loads its modules, so handler modules see this environment. Each
// file gets a Redis key prefix and DynamoDB tables of its own, so that whole-state checks
// ("nothing changed") are not disturbed by files running alongside.
const id = randomBytes(4).toString('hex');
Object.assign(process.env, inject('env'), {
  REDIS_KEY_PREFIX: `t${id}:`,
  COUPONS_TABLE: `coupons-${id}`,
  ISSUED_TABLE: `issued-coupons-${id}`,
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_TRACE_ENABLED: 'false',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});
localAwsEnvironment(process.env);
await ensureTables(process.env.DYNAMODB_ENDPOINT as string, {
  couponsTable: process.env.COUPONS_TABLE as string,
  issuedTable: process.env.ISSUED_TABLE as string,
});
// Every slot's sentinel, as the drain's first reconcile would leave them: without them an
// unknown coupon answers 503 ("Redis may have lost it"), not 404. On a single Redis one MSET
// writes them all (a cluster needs one command per slot: the adapter's own way).
{
  const { SLOTS, sentinelKey } = await import('#adapters/redis/keys');
  const slots = Array.from({ length: SLOTS }, (_, slot) => slot);
  if (process.env.REDIS_CLUSTER === 'true') {
    const { engine } = await import('./engine');
    const setup = engine();
    await setup.queue.createSentinels(slots);
    await setup.close();
  } else {
    const { testRedis } = await import('./helpers');
    const redis = testRedis();
    await redis.mset(...slots.flatMap((slot) => [sentinelKey(slot), '1']));
    redis.disconnect();
  }
}
