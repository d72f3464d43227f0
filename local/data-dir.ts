import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { DynamoDbLocalOptions } from './dynamodb';
import type { RedisServerOptions } from './redis-server';

export type DataDir = ReturnType<typeof dataDirOptions>;

/** `npm start`'s arguments: `--data-dir DIR` or nothing (everything in memory). */
export function dataDirFromArgs(args: string[]): DataDir | undefined {
  let dataDir: string | undefined;
  try {
    dataDir = parseArgs({ args, options: { 'data-dir': { type: 'string' } } }).values['data-dir'];
  } catch (error) {
    throw new Error(`${(error as Error).message}\nUsage: npm start [-- --data-dir DIR]`);
  }
  return dataDir ? dataDirOptions(dataDir) : undefined;
}

/**
 * `npm start -- --data-dir DIR`: Redis keeps an append-only file in DIR/redis and DynamoDB Local
 * its tables in DIR/dynamodb, so a restart finds the coupons, queues and rows where they were.
 */
export function dataDirOptions(dataDir: string): {
  dir: string;
  redis: RedisServerOptions;
  dynamodb: DynamoDbLocalOptions;
} {
  const dir = resolve(dataDir);
  const redisDir = join(dir, 'redis');
  mkdirSync(redisDir, { recursive: true });
  return {
    dir,
    // Flushed to disk once a second (fsync on every write would slow a sale): a clean stop loses
    // nothing, a power cut at most the last second.
    redis: { appendOnly: true, dir: redisDir, extraArgs: ['--appendfsync', 'everysec'] },
    dynamodb: { dataDir: join(dir, 'dynamodb') },
  };
}
