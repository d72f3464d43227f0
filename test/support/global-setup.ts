import type { TestProject } from 'vitest/node';
import { localAwsEnvironment, startDynalite } from '#local/dynamodb';
import { startRedis } from '#local/redis-server';

declare module 'vitest' {
  export interface ProvidedContext {
    env: Record<string, string>;
  }
}

/**
 * One real redis-server (or REDIS_URL) and one real dynalite for the whole run. Each test file
 * keeps apart by a Redis key prefix and tables of its own (setup.ts).
 */
export default async function setup(project: TestProject) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const redis = process.env.REDIS_URL ? undefined : await startRedis();
  const dynamo = await startDynalite();
  localAwsEnvironment(process.env);
  project.provide('env', {
    REDIS_URL: process.env.REDIS_URL ?? (redis?.url as string),
    DYNAMODB_ENDPOINT: dynamo.endpoint,
  });
  return async () => {
    await dynamo.stop();
    await redis?.stop();
  };
}
