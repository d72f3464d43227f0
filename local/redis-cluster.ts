import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort } from './ports';
import { type LocalRedis, startRedis } from './redis-server';
import { guard } from './watchdog';

export interface LocalRedisCluster {
  /** Seed URLs, comma-separated: the REDIS_URL for REDIS_CLUSTER=true. */
  url: string;
  nodes: LocalRedis[];
  stop(): Promise<void>;
}

/**
 * A Redis Cluster of `masters` nodes (no replicas) on 127.0.0.1, made with redis-server
 * --cluster-enabled and redis-cli --cluster create, as ElastiCache's cluster mode is.
 */
export async function startRedisCluster(masters = 3): Promise<LocalRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'fcfs-cluster-'));
  const release = guard({ folder: dir });
  const nodes: LocalRedis[] = [];
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      nodes.push(
        await startRedis({
          port,
          dir,
          extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`],
        }),
      );
    }
    execFileSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { stdio: 'pipe', timeout: 30_000 },
    );
    await waitForClusterOk(nodes);
  } catch (error) {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(dir, { recursive: true, force: true });
    release();
    throw error;
  }
  return {
    url: nodes.map((n) => n.url).join(','),
    nodes,
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
      rmSync(dir, { recursive: true, force: true });
      release();
    },
  };
}

async function waitForClusterOk(nodes: LocalRedis[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const node of nodes) {
    const client = new Redis(node.url);
    try {
      while (!/cluster_state:ok/.test(await client.cluster('INFO'))) {
        if (Date.now() > deadline) throw new Error(`Redis Cluster node ${node.url} not ok in time`);
        await sleep(100);
      }
    } finally {
      client.disconnect();
    }
  }
}
