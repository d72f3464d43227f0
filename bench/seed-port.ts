// A faithful port of the seed's processQueue (../shared/seed, step 14), for the drain benchmark:
// one global queue of "userId:couponId" members; per entry SISMEMBER, DECR (INCR back when
// negative), SADD, a database save and ZREM, each its own round trip. Uncapped: the benchmark
// calls it again at once until the queue is empty, instead of every 5 s.

import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Redis } from 'ioredis';

export const SEED_QUEUE_KEY = 'coupon:queue';

/** Returns how many entries it looked at (0: the queue is empty). */
export async function processQueue(redis: Redis, db: DynamoDBDocumentClient, table: string): Promise<number> {
  const entries = await redis.zrange(SEED_QUEUE_KEY, 0, 99);
  if (entries.length === 0) return 0;
  for (const entry of entries) {
    const [userId, couponId] = entry.split(':');
    const issuedKey = `coupon:issued:${couponId}`;
    if ((await redis.sismember(issuedKey, String(userId))) === 1) continue;
    const stockKey = `coupon:stock:${couponId}`;
    const stock = await redis.decr(stockKey);
    if (stock < 0) {
      await redis.incr(stockKey);
      continue;
    }
    await redis.sadd(issuedKey, String(userId));
    await db.send(
      new PutCommand({
        TableName: table,
        Item: { userId, couponId, used: false, issuedAt: new Date().toISOString() },
      }),
    );
    await redis.zrem(SEED_QUEUE_KEY, entry);
  }
  return entries.length;
}
