import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateQuery, paginateScan } from '@aws-sdk/lib-dynamodb';
import { Cluster, Redis } from 'ioredis';
import { ISSUED_BY_COUPON_INDEX, ISSUED_SHARDS } from '#adapters/dynamodb/schema';

/** A coupon or user id no other test uses. */
export const uniqueId = (prefix: string) => `${prefix}-${randomBytes(5).toString('hex')}`;

/** A plain client on the test's Redis (a Cluster client on a cluster), with the file's key prefix. */
export function testRedis(): Redis | Cluster {
  const urls = (process.env.REDIS_URL as string).split(',');
  const keyPrefix = process.env.REDIS_KEY_PREFIX;
  if (process.env.REDIS_CLUSTER !== 'true') return new Redis(urls[0] as string, { keyPrefix });
  return new Cluster(
    urls.map((url) => ({ host: new URL(url).hostname, port: Number(new URL(url).port) })),
    { keyPrefix },
  );
}

/** Keys matching a pattern (under the file's prefix, returned without it), on every node. */
export async function keysMatching(redis: Redis | Cluster, pattern: string): Promise<string[]> {
  const prefix = process.env.REDIS_KEY_PREFIX ?? '';
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const keys = (await Promise.all(nodes.map((node) => node.keys(`${prefix}${pattern}`)))).flat();
  return keys.map((key) => key.slice(prefix.length)).sort();
}

export function testDynamoDb(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT }));
}

/**
 * The rows of a coupon in DynamoDB, one entry per row (a duplicate would show twice), read
 * through every shard of the byCoupon index independently of the adapter under test.
 */
export async function couponRows(
  db: DynamoDBDocumentClient,
  couponId: string,
  table = process.env.ISSUED_TABLE as string,
): Promise<{ userId: string; issuedAt: string }[]> {
  const rows: { userId: string; issuedAt: string }[] = [];
  for (let shard = 0; shard < ISSUED_SHARDS; shard++) {
    for await (const page of paginateQuery(
      { client: db },
      {
        TableName: table,
        IndexName: ISSUED_BY_COUPON_INDEX.name,
        KeyConditionExpression: 'couponShard = :c',
        ExpressionAttributeValues: { ':c': `${couponId}#${shard}` },
      },
    )) {
      for (const item of page.Items ?? [])
        rows.push({ userId: String(item.userId), issuedAt: String(item.issuedAt) });
    }
  }
  return rows;
}

/** The users with a row for a coupon, one entry per row. */
export async function issuedRows(db: DynamoDBDocumentClient, couponId: string): Promise<string[]> {
  return (await couponRows(db, couponId)).map((row) => row.userId);
}

/** Every key under this test file's prefix with its content, to show that nothing changed. */
export async function wholeRedisState(redis: Redis | Cluster): Promise<Record<string, unknown>> {
  const keys = await keysMatching(redis, '*');
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
