import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
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
