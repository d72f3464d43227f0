// Benchmark 5: scaling. (a) the request path over HTTP and (b) the drain, at 1, 2 and 4 local
// processes sharing one Redis and one DynamoDB; (c) the cost of an admission as the queue grows
// from 1,000 to 1,000,000 waiting users, which must stay flat (log-time sorted-set operations,
// no scans): redis-benchmark on the admission script, and the in-process handler chain.

import { Redis } from 'ioredis';
import { couponKeys } from '#adapters/redis/keys';
import { lambdaContext } from '#local/api';
import { buildLocalRuntime, type RuntimeProcess, startRuntime } from '../test/support/processes';
import {
  checkTarget,
  closedLoop,
  fillQueue,
  openInRedis,
  printTable,
  reportVerdicts,
  round,
  startServers,
  summarize,
  writeResult,
} from './lib';
import { load } from './load';
import { hasRedisBenchmark, redisBenchmarkAdmit, requestEvent } from './request-inprocess';

async function requestPathAt(processes: number, seconds: number, connections: number, redisUrl: string) {
  const runtimes: RuntimeProcess[] = [];
  for (let i = 0; i < processes; i++) runtimes.push(await startRuntime({ DRAIN_INTERVAL_MS: '60000' }));
  try {
    const couponId = `scale-http-${processes}`;
    await fetch(`${runtimes[0]?.url}/coupons`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ couponId, name: couponId, stock: 10_000_000 }),
    });
    const run = (duration: number) =>
      Promise.all(
        runtimes.map((runtime, r) =>
          load({
            url: `${runtime.url}/coupons/${couponId}/requests`,
            body: (n) => `{"userId":"p${r}-${n}"}`,
            connections: Math.ceil(connections / processes),
            duration,
          }),
        ),
      );
    await run(2); // warm-up: fresh processes compile their hot paths first
    const results = await run(seconds);
    // Close the coupon and drop its queue, or the next configuration's drains would spend the
    // run draining it; the drains finish it.
    await fetch(`${runtimes[0]?.url}/coupons/${couponId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ closesAt: 'now' }),
    });
    const redis = new Redis(redisUrl);
    await redis.unlink(couponKeys(couponId).queue);
    redis.disconnect();
    return {
      rate: results.reduce((sum, r) => sum + r.rate, 0),
      p99: Math.max(...results.map((r) => r.p99)),
      errors: results.reduce((sum, r) => sum + r.errors + r.non2xx, 0),
    };
  } finally {
    await Promise.all(runtimes.map((r) => r.stop()));
  }
}

async function drainAt(processes: number, users: number, redisUrl: string) {
  const couponId = `scale-drain-${processes}`;
  const redis = new Redis(redisUrl);
  const { couponCatalog } = await import('#commons/dependencies');
  const k = couponKeys(couponId);
  // Queue everyone before the coupon is in the catalog (the drains visit the catalog's live
  // coupons), then add it there and time it.
  await openInRedis(redis, couponId, users);
  await fillQueue(redis, couponId, users);
  const runtimes: RuntimeProcess[] = [];
  for (let i = 0; i < processes; i++) runtimes.push(await startRuntime({ DRAIN_INTERVAL_MS: '50' }));
  try {
    const started = performance.now();
    await couponCatalog().create(
      { couponId, name: couponId, stock: users, createdAt: new Date().toISOString() },
      `bench-${couponId}`,
    );
    for (;;) {
      const [queued, pending] = await Promise.all([redis.zcard(k.queue), redis.zcard(k.pending)]);
      if (queued === 0 && pending === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    return { seconds, rate: users / seconds };
  } finally {
    redis.disconnect();
    await Promise.all(runtimes.map((r) => r.stop()));
  }
}

async function admissionCostAt(size: number, redisUrl: string, redisPort: number, requests: number) {
  const couponId = `size-${size}`;
  const redis = new Redis(redisUrl);
  const k = couponKeys(couponId);
  try {
    await openInRedis(redis, couponId, size + 10_000_000);
    await fillQueue(redis, couponId, size);
    const { handler } = await import('#functions/handlers/request-coupon');
    const context = lambdaContext('bench');
    let errors = 0;
    const chain = await closedLoop(requests, 64, async (i) => {
      const result = await handler(requestEvent(couponId, `n${i}`), context);
      if (result.statusCode !== 202) errors += 1;
    });
    const reference = hasRedisBenchmark()
      ? await redisBenchmarkAdmit(redisPort, requests * 2, 50, `${couponId}-rb`, size)
      : undefined;
    return {
      size,
      chainRate: chain.rate,
      chainP99: summarize(chain.latencies).p99,
      errors,
      redisRate: reference?.rate,
    };
  } finally {
    await redis.del(k.queue);
    redis.disconnect();
  }
}

export async function benchScaling(quick = false) {
  const servers = await startServers('bench-scaling');
  buildLocalRuntime();
  try {
    const counts = [1, 2, 4];
    const http: ({ processes: number } & Awaited<ReturnType<typeof requestPathAt>>)[] = [];
    for (const n of counts)
      http.push({ processes: n, ...(await requestPathAt(n, quick ? 3 : 8, 64, servers.redisUrl)) });
    const drains: ({ processes: number } & Awaited<ReturnType<typeof drainAt>>)[] = [];
    for (const n of counts)
      drains.push({ processes: n, ...(await drainAt(n, quick ? 5_000 : 20_000, servers.redisUrl)) });
    await admissionCostAt(1_000, servers.redisUrl, servers.redisPort, 20_000); // warm-up
    const sizes = quick ? [1_000, 100_000] : [1_000, 10_000, 100_000, 1_000_000];
    const costs = [];
    for (const size of sizes)
      costs.push(await admissionCostAt(size, servers.redisUrl, servers.redisPort, quick ? 20_000 : 50_000));
    const { closeClients } = await import('#commons/dependencies');
    await closeClients();

    printTable(
      '5a. Request path over HTTP, processes sharing one Redis (2 cores in all)',
      http.map((h) => ({
        processes: h.processes,
        'req/s': Math.round(h.rate),
        'vs 1 process': `${round(h.rate / (http[0]?.rate ?? 1), 2)}x`,
        'p99 ms': h.p99,
        'errors+non2xx': h.errors,
      })),
    );
    printTable(
      '5b. Drain of the same queue, processes sharing one Redis and one DynamoDB Local',
      drains.map((d) => ({
        processes: d.processes,
        seconds: round(d.seconds, 2),
        'issued/s': Math.round(d.rate),
        'vs 1 process': `${round(d.rate / (drains[0]?.rate ?? 1), 2)}x`,
      })),
    );
    const base = costs[0];
    printTable(
      '5c. Admission cost as the queue grows (target: flat)',
      costs.map((c) => ({
        'users waiting': c.size,
        'chain req/s': Math.round(c.chainRate),
        'chain vs 1,000': `${round(c.chainRate / (base?.chainRate ?? 1), 2)}x`,
        'chain p99 ms': round(c.chainP99, 2),
        'chain non-202': c.errors,
        'redis-benchmark req/s': c.redisRate ? Math.round(c.redisRate) : '-',
        'redis vs 1,000': c.redisRate && base?.redisRate ? `${round(c.redisRate / base.redisRate, 2)}x` : '-',
      })),
    );
    // "Flat": the largest queue admits at least 80% of the rate at 1,000 waiting (runs on a shared
    // 2-core machine vary by about 10% between themselves).
    const last = costs[costs.length - 1];
    const verdicts = reportVerdicts('5c. admission cost as the queue grows', [
      checkTarget(
        `handler chain at ${last?.size.toLocaleString('en-US')} waiting vs 1,000`,
        last && base ? last.chainRate / base.chainRate : undefined,
        { atLeast: 0.8 },
        (v) => `${round(v, 2)}x`,
      ),
      checkTarget(
        `redis-benchmark at ${last?.size.toLocaleString('en-US')} waiting vs 1,000`,
        last?.redisRate && base?.redisRate ? last.redisRate / base.redisRate : undefined,
        { atLeast: 0.8 },
        (v) => `${round(v, 2)}x`,
      ),
    ]);
    const result = { http, drains, admissionCost: costs, verdicts };
    console.log(`written: ${writeResult('scaling', result)}`);
    return result;
  } finally {
    await servers.stop();
  }
}
