import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoCouponCatalog } from '#adapters/dynamodb/coupon-catalog';
import { DynamoIssuedCouponStore } from '#adapters/dynamodb/issued-coupon-store';
import { RedisCouponQueue } from '#adapters/redis/coupon-queue';
import { createDynamoDbClient } from './clients/dynamodb';
import { createRedisClient, type RedisClient } from './clients/redis';
import { iamAuthFromEnv } from './clients/redis-auth';
import { drainConfig, redisConfig, tablesConfig } from './config';

// The adapters, each made once per container from the environment and shared by every handler
// module loaded in it. A handler calls the getters it needs at module scope, so a missing
// variable fails at cold start.

let redis: RedisClient | undefined;
let queue: RedisCouponQueue | undefined;
let dynamodb: DynamoDBDocumentClient | undefined;
let store: DynamoIssuedCouponStore | undefined;
let catalog: DynamoCouponCatalog | undefined;

export function redisClient(): RedisClient {
  redis ??= createRedisClient(redisConfig(), iamAuthFromEnv());
  return redis;
}

export function couponQueue(): RedisCouponQueue {
  queue ??= new RedisCouponQueue(redisClient(), redisConfig().timeoutMs);
  return queue;
}

function dynamoDb(): DynamoDBDocumentClient {
  dynamodb ??= createDynamoDbClient(tablesConfig());
  return dynamodb;
}

export function issuedCouponStore(): DynamoIssuedCouponStore {
  if (!store) {
    const { writeConcurrency } = drainConfig();
    store = new DynamoIssuedCouponStore(dynamoDb(), tablesConfig().issuedTable, {
      concurrency: writeConcurrency,
      maxAttempts: 8,
      baseDelayMs: 25,
      maxDelayMs: 1000,
    });
  }
  return store;
}

export function couponCatalog(): DynamoCouponCatalog {
  catalog ??= new DynamoCouponCatalog(dynamoDb(), tablesConfig().couponsTable);
  return catalog;
}

/** Closes the clients made so far (local runtime shutdown, tests). */
export async function closeClients(): Promise<void> {
  const client = redis;
  redis = queue = undefined;
  dynamodb?.destroy();
  dynamodb = store = catalog = undefined;
  if (client) await client.quit().catch(() => client.disconnect());
}
