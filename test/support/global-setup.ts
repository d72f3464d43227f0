import type { TestProject } from 'vitest/node';
import { localAwsEnvironment, startDynamoDbLocal } from '#local/dynamodb';
import { startRedisCluster } from '#local/redis-cluster';
import { startRedis } from '#local/redis-server';

declare module 'vitest' {
  export interface ProvidedContext {
    env: Record<string, string>;
  }
}

/**
 * For each vitest project, real servers for the whole run: one redis-server (or REDIS_URL), or
 * for the `cluster` project a three-master Redis Cluster (or REDIS_CLUSTER_URL), and one DynamoDB Local.
 * Each test file keeps apart by a Redis key prefix and tables of its own (setup.ts).
 */
export default async function setup(project: TestProject) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  localAwsEnvironment(process.env);
  const cluster = project.name === 'cluster';
  const redis = cluster
    ? process.env.REDIS_CLUSTER_URL
      ? undefined
      : await startRedisCluster()
    : process.env.REDIS_URL
      ? undefined
      : await startRedis();
  const dynamo = await startDynamoDbLocal().catch(async (error) => {
    await redis?.stop();
    throw error;
  });
  project.provide('env', {
    REDIS_URL: (cluster ? process.env.REDIS_CLUSTER_URL : process.env.REDIS_URL) ?? (redis?.url as string),
    REDIS_CLUSTER: String(cluster),
    DYNAMODB_ENDPOINT: dynamo.endpoint,
  });
  return async () => {
    await dynamo.stop();
    await redis?.stop();
  };
}
