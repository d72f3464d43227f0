// Benchmark 3: the drain with its ledger. N users queued (20,000 by default) in one coupon, and
// in four; the time until every one is issued and persisted through ledger transactions. Next
// to it, measured in the same run on the same DynamoDB Local: the same rows written as raw ledger
// transactions (the reference the target compares against: what a drain with a ledger could
// write), the store's raw BatchWriteItem rate (no ledger, no conditions), and a faithful port of
// the seed's processQueue, uncapped.

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  paginateScan,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { Redis } from 'ioredis';
import { couponShard } from '#adapters/dynamodb/shards';
import { couponRows } from '../test/support/helpers';
import {
  checkTarget,
  closedLoop,
  cpuMeter,
  printTable,
  reportVerdicts,
  round,
  startServers,
  writeResult,
} from './lib';
import { processQueue, SEED_QUEUE_KEY } from './seed-port';

/** Rows of a coupon in the table. */
export async function countRows(
  db: DynamoDBDocumentClient,
  table: string,
  couponId: string,
): Promise<number> {
  return (await couponRows(db, couponId, table)).length;
}

/** The seed's rows carry no index shard: counted by a scan of the table. */
async function seedRows(db: DynamoDBDocumentClient, table: string, couponId: string): Promise<number> {
  let count = 0;
  for await (const page of paginateScan(
    { client: db },
    {
      TableName: table,
      FilterExpression: 'couponId = :c',
      ExpressionAttributeValues: { ':c': couponId },
      Select: 'COUNT',
    },
  )) {
    count += page.Count ?? 0;
  }
  return count;
}

/** A row as the drain writes it. */
function issuedRow(couponId: string, userId: string) {
  return {
    couponId,
    userId,
    issuedAt: new Date().toISOString(),
    used: false,
    generation: 1,
    couponShard: couponShard(couponId, userId),
  };
}

export async function benchDrain(users = 20_000, runs = 3) {
  const servers = await startServers('bench-drain');
  const redis = new Redis(servers.redisUrl);
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: servers.dynamoEndpoint }));
  const { issuedTable } = servers.tables;
  try {
    const { couponQueue, couponCatalog, issuedCouponStore, closeClients } = await import(
      '#commons/dependencies'
    );
    const { drainConfig } = await import('#commons/config');
    const { Drain } = await import('#domain/drain');
    const { createCoupon } = await import('#domain/coupons');

    const queue = couponQueue();
    const catalog = couponCatalog();
    const config = drainConfig();
    const drain = new Drain(catalog, queue, issuedCouponStore(), config);
    /**
     * Runs `work`, which writes the `users` rows, with its time and the CPU share of this process
     * and of DynamoDB Local.
     */
    const measure = async (work: () => Promise<unknown>) => {
      const cpu = cpuMeter();
      const storeBefore = servers.dynamoCpuSeconds();
      const started = performance.now();
      await work();
      const seconds = (performance.now() - started) / 1000;
      return {
        seconds,
        rows: users,
        rate: users / seconds,
        cpu: cpu(),
        storeCpu: (servers.dynamoCpuSeconds() - storeBefore) / seconds,
      };
    };

    /** A run is timed to its last write; then its rows are counted, and all must be there. */
    const landed = (label: string, rows: number) => {
      if (rows !== users) throw new Error(`${label}: ${rows} rows in DynamoDB for ${users} users admitted`);
    };

    /** The store's ceiling: the same rows, BatchWriteItem of 25, 8 calls in flight, no ledger. */
    const runRaw = (label: string) =>
      measure(async () => {
        const batches: Record<string, unknown>[][] = [];
        for (let i = 0; i < users; i += 25) {
          batches.push(
            Array.from({ length: Math.min(25, users - i) }, (_, j) => {
              const userId = `u${i + j}`;
              const couponId = `${label}-${(i + j) % 4}`;
              return { PutRequest: { Item: issuedRow(couponId, userId) } };
            }),
          );
        }
        await closedLoop(batches.length, 8, async (b) => {
          let requests = batches[b] as Record<string, unknown>[];
          while (requests.length > 0) {
            const result = await db.send(
              new BatchWriteCommand({ RequestItems: { [issuedTable]: requests as never } }),
            );
            requests = (result.UnprocessedItems?.[issuedTable] ?? []) as Record<string, unknown>[];
          }
        });
      });

    /**
     * The store's ceiling for ledger writes: the same rows in transactions of 99 rows plus the
     * coupon's ledger item, written straight, one at a time per coupon, coupons in parallel.
     */
    const runRawTransactions = async (label: string, coupons: number) => {
      const ids = Array.from({ length: coupons }, (_, c) => `${label}-${c}`);
      for (const couponId of ids) {
        await catalog.create(
          { couponId, name: couponId, stock: users, createdAt: new Date().toISOString() },
          couponId,
        );
      }
      return measure(async () => {
        await Promise.all(
          ids.map(async (couponId, c) => {
            const mine = Array.from(
              { length: Math.ceil((users - c) / coupons) },
              (_, i) => `u${c + i * coupons}`,
            );
            for (let i = 0; i < mine.length; i += config.transactionRows) {
              const chunk = mine.slice(i, i + config.transactionRows);
              await db.send(
                new TransactWriteCommand({
                  TransactItems: [
                    ...chunk.map((userId) => ({
                      Put: {
                        TableName: issuedTable,
                        Item: issuedRow(couponId, userId),
                        ConditionExpression: 'attribute_not_exists(userId)',
                      },
                    })),
                    {
                      Update: {
                        TableName: servers.tables.couponsTable,
                        Key: { couponId },
                        UpdateExpression: 'SET issued = issued + :n, remaining = remaining - :n',
                        ConditionExpression: 'generation = :g AND remaining >= :n',
                        ExpressionAttributeValues: { ':n': chunk.length, ':g': 1 },
                      },
                    },
                  ],
                }),
              );
            }
          }),
        );
      });
    };

    /** This system: N users admitted to `coupons` coupons of their own, drained with the default settings. */
    const runOurs = async (label: string, coupons: number) => {
      const ids = Array.from({ length: coupons }, (_, c) => `${label}-${c}`);
      for (const couponId of ids) {
        await createCoupon(
          { catalog, queue },
          { couponId, name: couponId, stock: users },
          `bench-${couponId}`,
        );
      }
      for (let i = 0; i < users; i += 1000) {
        await Promise.all(
          Array.from({ length: Math.min(1000, users - i) }, (_, j) =>
            queue.admit(ids[(i + j) % coupons] as string, `u${i + j}`),
          ),
        );
      }
      const drained = async () => {
        for (const couponId of ids) {
          const snapshot = await queue.snapshot(couponId);
          if (typeof snapshot === 'string' || snapshot.queued + snapshot.pending > 0) return false;
        }
        return true;
      };
      const run = await measure(async () => {
        while (!(await drained())) await drain.tick(Date.now() + 60_000);
      });
      // Counted after the clock, as the references' rows are not counted in theirs.
      let rows = 0;
      for (const couponId of ids) rows += await countRows(db, issuedTable, couponId);
      landed(label, rows);
      // Close them, so that the next runs' ticks do not visit them.
      for (const couponId of ids) await catalog.setWindow(couponId, { closesAt: new Date().toISOString() });
      await drain.tick(Date.now() + 60_000);
      return run;
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
      landed(couponId, await seedRows(db, issuedTable, couponId));
      return run;
    };

    // Each side runs `runs` times, interleaved; the median run of each is reported.
    type Run = Awaited<ReturnType<typeof measure>>;
    const all: Record<'raw' | 'rawTx1' | 'rawTx4' | 'one' | 'four' | 'seed', Run[]> = {
      raw: [],
      rawTx1: [],
      rawTx4: [],
      one: [],
      four: [],
      seed: [],
    };
    for (let r = 0; r < runs; r++) {
      all.raw.push(await runRaw(`raw-${r}`));
      all.rawTx1.push(await runRawTransactions(`rawtx1-${r}`, 1));
      all.rawTx4.push(await runRawTransactions(`rawtx4-${r}`, 4));
      all.one.push(await runOurs(`one-${r}`, 1));
      all.four.push(await runOurs(`four-${r}`, 4));
      all.seed.push(await runSeed(`seed-${r}`));
    }
    await closeClients();
    const median = (list: Run[]) =>
      [...list].sort((x, y) => x.seconds - y.seconds)[Math.floor(list.length / 2)] as Run;
    const raw = median(all.raw);
    const rawTx1 = median(all.rawTx1);
    const rawTx4 = median(all.rawTx4);
    const one = median(all.one);
    const four = median(all.four);
    const seed = median(all.seed);
    const row = (drain: string, run: Run) => ({
      drain,
      seconds: round(run.seconds, 2),
      'rows/s': Math.round(run.rate),
      rows: run.rows,
      'x raw': round(run.rate / raw.rate, 2),
      'node CPU': `${Math.round(run.cpu * 100)}%`,
      'DynamoDB Local CPU': `${Math.round(run.storeCpu * 100)}%`,
    });
    printTable(
      `3. Drain of ${users.toLocaleString('en-US')} queued users into DynamoDB Local through the ledger, median of ${runs} runs (target: >= 0.9x the raw ledger transactions' rate)`,
      [
        row('raw BatchWriteItem, 25 rows x 8 in flight, no ledger', raw),
        row(`raw ledger transactions (${config.transactionRows} rows + ledger), 1 coupon`, rawTx1),
        row(`raw ledger transactions, 4 coupons in parallel`, rawTx4),
        row(`this drain, 1 coupon`, one),
        row(`this drain, 4 coupons at once`, four),
        row("the seed's processQueue, uncapped", seed),
      ],
    );
    // The ledger's guarantee needs conditional transactional writes: the store's ceiling for
    // them is the raw transactions' rate, measured here; plain BatchWriteItem and the seed are
    // reported next to it.
    const verdicts = reportVerdicts('3. drain', [
      checkTarget(
        'this drain over 4 coupons vs raw ledger transactions over 4',
        four.rate / rawTx4.rate,
        { atLeast: 0.9 },
        (v) => `${round(v, 2)}x`,
      ),
      checkTarget(
        'this drain over 1 coupon vs raw ledger transactions over 1',
        one.rate / rawTx1.rate,
        { atLeast: 0.9 },
        (v) => `${round(v, 2)}x`,
      ),
    ]);
    const result = {
      verdicts,
      users,
      runs,
      raw,
      rawTransactions: { oneCoupon: rawTx1, fourCoupons: rawTx4 },
      ours: { oneCoupon: one, fourCoupons: four, settings: config },
      seed,
      ratios: {
        oneCouponToRaw: one.rate / raw.rate,
        fourCouponsToRaw: four.rate / raw.rate,
        oneCouponToRawTransactions: one.rate / rawTx1.rate,
        fourCouponsToRawTransactions: four.rate / rawTx4.rate,
        oneCouponToSeed: one.rate / seed.rate,
      },
      allRuns: all,
    };
    console.log(
      `ratios: 4 coupons ${round(result.ratios.fourCouponsToRaw, 2)}x raw BatchWriteItem, ${round(result.ratios.fourCouponsToRawTransactions, 2)}x raw transactions; 1 coupon ${round(result.ratios.oneCouponToRaw, 2)}x raw BatchWriteItem, ${round(result.ratios.oneCouponToRawTransactions, 2)}x raw transactions; ${round(result.ratios.oneCouponToSeed, 1)}x the seed port`,
    );
    console.log(`written: ${writeResult('drain', result)}`);
    return result;
  } finally {
    redis.disconnect();
    db.destroy();
    await servers.stop();
  }
}
