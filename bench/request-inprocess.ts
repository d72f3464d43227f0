// Benchmark 1: the request path in process. The real handler chain (middy, Powertools, the
// parser and schemas, the admission script over ioredis) called concurrently against a real
// redis-server, next to redis-benchmark running the same admission script with EVALSHA: the
// limit of that Redis on this machine.

import { execFileSync } from 'node:child_process';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { Redis } from 'ioredis';
import { couponKeys } from '#adapters/redis/keys';
import { COUPON_SCRIPTS } from '#adapters/redis/scripts';
import { lambdaContext } from '#local/api';
import {
  apiEvent,
  checkTarget,
  closedLoop,
  cpuMeter,
  fillQueue,
  openInRedis,
  printTable,
  reportVerdicts,
  round,
  startServers,
  summarize,
  writeResult,
} from './lib';

/** A user's request for a coupon, as API Gateway sends it to the request function. */
export function requestEvent(couponId: string, userId: string): APIGatewayProxyEventV2 {
  return apiEvent('POST', `/coupons/${couponId}/requests`, {
    route: '/coupons/{couponId}/requests',
    pathParameters: { couponId },
    body: { userId },
  });
}

/** redis-benchmark's EVALSHA of admit.lua on fresh keys, with random user ids. */
export function redisBenchmarkAdmit(
  port: number,
  requests: number,
  clients: number,
  couponId: string,
  /** Users already waiting in the queue before the run. */
  waiting = 0,
) {
  const redis = new Redis(port);
  return (async () => {
    try {
      const admit = COUPON_SCRIPTS.couponAdmit;
      const sha = String(await redis.script('LOAD', admit.lua));
      const keys = admit.keys(couponKeys(couponId));
      await openInRedis(redis, couponId, 100_000_000);
      await fillQueue(redis, couponId, waiting);
      const csv = execFileSync(
        'redis-benchmark',
        [
          '-p',
          String(port),
          '-c',
          String(clients),
          '-n',
          String(requests),
          '-r',
          '1000000000',
          '--csv',
          'EVALSHA',
          sha,
          String(keys.length),
          ...keys,
          'u:__rand_int__',
        ],
        { encoding: 'utf8' },
      );
      const [, values] = csv.trim().split('\n');
      const cols = (values ?? '').split(',').map((v) => Number(v.replace(/"/g, '')));
      return {
        rate: cols[1] as number,
        p50: cols[4] as number,
        p99: cols[6] as number,
        max: cols[7] as number,
      };
    } finally {
      redis.disconnect();
    }
  })();
}

export function hasRedisBenchmark(): boolean {
  try {
    execFileSync('redis-benchmark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function benchRequestInProcess(requests = 200_000, concurrency = 64) {
  const servers = await startServers('bench-request');
  try {
    const { handler } = await import('#functions/handlers/request-coupon');
    const { closeClients } = await import('#commons/dependencies');
    const context = lambdaContext('bench');
    const admin = new Redis(servers.redisUrl);
    const run = async (couponId: string, total: number) => {
      await openInRedis(admin, couponId, 100_000_000);
      return closedLoop(total, concurrency, async (i) => {
        const result = await handler(requestEvent(couponId, `u${i}`), context);
        if (result.statusCode !== 202) throw new Error(`unexpected ${result.statusCode}: ${result.body}`);
      });
    };
    await run('warmup', 20_000);
    const cpu = cpuMeter();
    const chain = await run('inprocess', requests);
    const chainCpu = cpu();
    const chainLatency = summarize(chain.latencies);
    await closeClients();
    admin.disconnect();

    const rows: Record<string, string | number>[] = [
      {
        path: `handler chain, ${concurrency} concurrent`,
        'req/s': Math.round(chain.rate),
        'p50 ms': round(chainLatency.p50, 2),
        'p99 ms': round(chainLatency.p99, 2),
        'max ms': round(chainLatency.max, 1),
        'node CPU': `${Math.round(chainCpu * 100)}%`,
      },
    ];
    let reference: Awaited<ReturnType<typeof redisBenchmarkAdmit>> | undefined;
    if (hasRedisBenchmark()) {
      reference = await redisBenchmarkAdmit(servers.redisPort, requests, 50, 'reference');
      rows.push({
        path: 'redis-benchmark EVALSHA admit.lua, 50 clients',
        'req/s': Math.round(reference.rate),
        'p50 ms': reference.p50,
        'p99 ms': reference.p99,
        'max ms': reference.max,
        'node CPU': '-',
      });
    }
    const ratio = reference ? chain.rate / reference.rate : undefined;
    printTable('1. Request path in process (target: >= 50% of redis-benchmark)', rows);
    console.log(
      ratio === undefined
        ? 'redis-benchmark not found: no reference measured (install redis-tools or redis-server).'
        : `ratio: ${Math.round(ratio * 100)}% of redis-benchmark's rate for the same script`,
    );
    const verdicts = reportVerdicts('1. request path in process', [
      checkTarget(
        "handler chain's rate vs redis-benchmark's",
        ratio,
        { atLeast: 0.5 },
        (v) => `${Math.round(v * 100)}%`,
      ),
    ]);
    const result = {
      requests,
      concurrency,
      chain: { rate: chain.rate, ...chainLatency, cpu: chainCpu },
      reference,
      ratio,
      verdicts,
    };
    console.log(`written: ${writeResult('request-inprocess', result)}`);
    return result;
  } finally {
    await servers.stop();
  }
}
