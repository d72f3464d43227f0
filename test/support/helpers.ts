import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateQuery, paginateScan } from '@aws-sdk/lib-dynamodb';
import { Redis } from 'ioredis';
import { ISSUED_BY_COUPON_INDEX } from '#adapters/dynamodb/schema';
import { couponKeys } from '#adapters/redis/keys';

/** A coupon or user id no other test uses. */
export const uniqueId = (prefix: string) => `${prefix}-${randomBytes(5).toString('hex')}`;

/** A plain client on the test's Redis, with the test file's key prefix. */
export function testRedis(): Redis {
  return new Redis(process.env.REDIS_URL as string, { keyPrefix: process.env.REDIS_KEY_PREFIX });
}

export function testDynamoDb(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT }));
}

/** The rows of a coupon in DynamoDB, one entry per row (duplicates would show twice). */
export async function issuedRows(db: DynamoDBDocumentClient, couponId: string): Promise<string[]> {
  const users: string[] = [];
  for await (const page of paginateQuery(
    { client: db },
    {
      TableName: process.env.ISSUED_TABLE,
      IndexName: ISSUED_BY_COUPON_INDEX.name,
      KeyConditionExpression: 'couponId = :c',
      ExpressionAttributeValues: { ':c': couponId },
    },
  )) {
    for (const item of page.Items ?? []) users.push(String(item.userId));
  }
  return users;
}

/** Everything Redis holds for a coupon, to compare before and after. */
export async function redisState(redis: Redis, couponId: string) {
  const k = couponKeys(couponId);
  const [stock, queue, issued, pending, seq] = await Promise.all([
    redis.get(k.stock),
    redis.zrange(k.queue, 0, -1, 'WITHSCORES'),
    redis.hgetall(k.issued),
    redis.zrange(k.pending, 0, -1, 'WITHSCORES'),
    redis.get(k.seq),
  ]);
  return { stock, queue, issued, pending, seq };
}

/** Every key under this test file's prefix with its content, to show that nothing changed. */
export async function wholeRedisState(redis: Redis): Promise<Record<string, unknown>> {
  const prefix = process.env.REDIS_KEY_PREFIX ?? '';
  const keys = (await redis.keys(`${prefix}*`)).map((key) => key.slice(prefix.length)).sort();
  const state: Record<string, unknown> = {};
  for (const key of keys) {
    const type = await redis.type(key);
    if (type === 'string') state[key] = await redis.get(key);
    else if (type === 'hash') state[key] = await redis.hgetall(key);
    else if (type === 'set') state[key] = (await redis.smembers(key)).sort();
    else if (type === 'zset') state[key] = await redis.zrange(key, 0, -1, 'WITHSCORES');
    else state[key] = type;
  }
  return state;
}

/** Every item of a table, sorted, to show that nothing changed. */
export async function wholeTable(db: DynamoDBDocumentClient, table: string): Promise<string[]> {
  const items: string[] = [];
  for await (const page of paginateScan({ client: db }, { TableName: table })) {
    for (const item of page.Items ?? []) items.push(JSON.stringify(item, Object.keys(item).sort()));
  }
  return items.sort();
}
