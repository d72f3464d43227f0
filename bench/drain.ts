// Benchmark 3: the drain. N users queued (20,000 by default); the time until every one of them
// is issued and persisted, next to a faithful port of the seed's processQueue, uncapped, on the
// same Redis and the same DynamoDB-compatible store (DynamoDB Local).

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Redis } from 'ioredis';
import { couponRows } from '../test/support/helpers';
import { checkTarget, cpuMeter, printTable, reportVerdicts, round, startServers, writeResult } from './lib';
import { processQueue, SEED_QUEUE_KEY } from './seed-port';

/** Rows of a coupon in the table. */
export async function countRows(
  db: DynamoDBDocumentClient,
  table: string,
  couponId: string,
): Promise<number> {
  return (await couponRows(db, couponId, table)).length;
}

export async function benchDrain(users = 20_000, runs = 3) {
  const servers = await startServers('bench-drain');
  const redis = new Redis(servers.redisUrl);
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: servers.dynamoEndpoint }));
  const { issuedTable } = servers.tables;
  try {
    const { couponQueue, issuedCouponStore, closeClients } = await import('#commons/dependencies');
    const { drainConfig } = await import('#commons/config');
    const { Drain } = await import('#domain/drain');

    const queue = couponQueue();
    const config = drainConfig();
    const drain = new Drain(queue, issuedCouponStore(), config);
    /** Runs `work`, with its time and the CPU share of this process and of DynamoDB Local. */
    const measure = async (work: () => Promise<void>) => {
      const cpu = cpuMeter();
      const storeBefore = servers.dynamoCpuSeconds();
      const started = performance.now();
      await work();
      const seconds = (performance.now() - started) / 1000;
      return { seconds, cpu: cpu(), storeCpu: (servers.dynamoCpuSeconds() - storeBefore) / seconds };
    };

    /** This system: N users admitted to a coupon of their own, drained with the default settings. */
    const runOurs = async (couponId: string) => {
      await queue.open(couponId, users);
      for (let i = 0; i < users; i += 1000) {
        await Promise.all(
          Array.from({ length: Math.min(1000, users - i) }, (_, j) => queue.admit(couponId, `u${i + j}`)),
        );
      }
      const drained = async () => {
        const snapshot = await queue.snapshot(couponId);
        return snapshot?.queued === 0 && snapshot.pending === 0;
      };
      const run = await measure(async () => {
        while (!(await drained())) await drain.tick(Date.now() + 60_000);
      });
      return { ...run, rows: await countRows(db, issuedTable, couponId) };
    };

    /** The seed: the same N users in its global queue, with its stock and issued keys. */
    const runSeed = async (couponId: string) => {
      await redis.set(`coupon:stock:${couponId}`, users);
      for (let i = 0; i < users; i += 1000) {
        const members = Array.from({ length: Math.min(1000, users - i) }, (_, j) => [
          i + j,
          `u${i + j}:${couponId}`,
        ]).flat();
        await redis.zadd(SEED_QUEUE_KEY, ...(members as (string | number)[]));
      }
      const run = await measure(async () => {
        while ((await processQueue(redis, db, issuedTable)) > 0) {}
      });
      return { ...run, rows: await countRows(db, issuedTable, couponId) };
    };

    // Each side runs `runs` times, alternately; the median run of each is reported.
    const oursRuns = [];
    const seedRuns = [];
    for (let r = 0; r < runs; r++) {
      oursRuns.push(await runOurs(`ours-${r}`));
      seedRuns.push(await runSeed(`seed-${r}`));
    }
    await closeClients();
    const median = <T extends { seconds: number }>(list: T[]) =>
      [...list].sort((x, y) => x.seconds - y.seconds)[Math.floor(list.length / 2)] as T;
    const ours = median(oursRuns);
    const seed = median(seedRuns);

    const oursRate = ours.rows / ours.seconds;
    const seedRate = seed.rows / seed.seconds;
    printTable(
      `3. Drain of ${users.toLocaleString('en-US')} queued users into DynamoDB Local, median of ${runs} runs (target: >= 10x the seed)`,
      [
        {
          drain: `this drain (batch ${config.batchSize}, ${config.writeConcurrency} writes in flight)`,
          seconds: round(ours.seconds, 2),
          'issued/s': Math.round(oursRate),
          rows: ours.rows,
          'node CPU': `${Math.round(ours.cpu * 100)}%`,
          'DynamoDB Local CPU': `${Math.round(ours.storeCpu * 100)}%`,
        },
        {
          drain: "the seed's processQueue, uncapped",
          seconds: round(seed.seconds, 2),
          'issued/s': Math.round(seedRate),
          rows: seed.rows,
          'node CPU': `${Math.round(seed.cpu * 100)}%`,
          'DynamoDB Local CPU': `${Math.round(seed.storeCpu * 100)}%`,
        },
        {
          drain: 'the seed as written (100 per 5 s)',
          seconds: round(users / 20, 0),
          'issued/s': 20,
        },
      ],
    );
    const ratio = oursRate / seedRate;
    console.log(
      `ratio: ${round(ratio, 1)}x the seed port's rate (${round(oursRate / 20, 0)}x the seed as written)`,
    );
    const verdicts = reportVerdicts('3. drain', [
      checkTarget("this drain's rate vs the seed port's", ratio, { atLeast: 10 }, (v) => `${round(v, 1)}x`),
    ]);
    const result = {
      verdicts,
      users,
      runs,
      ours: { ...ours, rate: oursRate, ...config },
      seed: { ...seed, rate: seedRate },
      ratio,
      allRuns: { ours: oursRuns, seed: seedRuns },
    };
    console.log(`written: ${writeResult('drain', result)}`);
    return result;
  } finally {
    redis.disconnect();
    db.destroy();
    await servers.stop();
  }
}
