// Shared by the benchmarks: servers, timing, percentiles, resource use, tables and JSON output.
// Absolute numbers drift on shared machines; each benchmark reports a ratio to a reference
// measured in the same run.

import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { Redis } from 'ioredis';
import { couponKeys } from '#adapters/redis/keys';
import { ensureTables, localAwsEnvironment, startDynamoDbLocal } from '#local/dynamodb';
import { type LocalRedis, startRedis } from '#local/redis-server';
import { apiGatewayEvent } from '../test/support/api-gateway';
import { percentile } from '../tools/percentile';

export interface BenchServers {
  redisUrl: string;
  redisPort: number;
  dynamoEndpoint: string;
  /** CPU seconds the DynamoDB Local process has used so far. */
  dynamoCpuSeconds(): number;
  tables: { couponsTable: string; issuedTable: string };
  stop(): Promise<void>;
}

/** A fresh redis-server and DynamoDB Local for one benchmark, and the environment the handlers read. */
export async function startServers(name: string): Promise<BenchServers> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  localAwsEnvironment(process.env);
  const redis: LocalRedis = await startRedis();
  // A process of its own, like the database service it stands for: its CPU never counts as ours.
  const dynamo = await startDynamoDbLocal();
  const tables = { couponsTable: `${name}-coupons`, issuedTable: `${name}-issued` };
  await ensureTables(dynamo.endpoint, tables);
  Object.assign(process.env, {
    REDIS_URL: redis.url,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    COUPONS_TABLE: tables.couponsTable,
    ISSUED_TABLE: tables.issuedTable,
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  return {
    redisUrl: redis.url,
    redisPort: redis.port,
    dynamoEndpoint: dynamo.endpoint,
    dynamoCpuSeconds: () => processCpuSeconds(dynamo.pid),
    tables,
    async stop() {
      await dynamo.stop();
      await redis.stop();
    },
  };
}

export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
}

export function summarize(latenciesMs: number[]): LatencySummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** CPU seconds a process has used so far (Linux /proc; NaN elsewhere). */
export function processCpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 10 ms
  } catch {
    return Number.NaN;
  }
}

/** CPU time of this process over a span, as a share of one core. */
export function cpuMeter() {
  const start = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  return () => {
    const used = process.cpuUsage(start);
    const elapsedUs = Number(process.hrtime.bigint() - t0) / 1000;
    return (used.user + used.system) / elapsedUs;
  };
}

export async function redisMemory(url: string): Promise<number> {
  const client = new Redis(url);
  try {
    const info = await client.info('memory');
    return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
  } finally {
    client.disconnect();
  }
}

/**
 * A coupon's state in Redis alone, as the queue's open would write it, for the benchmarks that
 * measure Redis without the catalog: open now, `stock` left, generation 1.
 */
export async function openInRedis(redis: Redis, couponId: string, stock: number): Promise<void> {
  const k = couponKeys(couponId);
  await redis.hset(k.state, { gen: 1, ver: 1, total: stock, left: stock, opensAt: 0, closesAt: 0, seq: 0 });
  await redis.set(k.sentinel, '1');
}

/** Puts `waiting` users in a coupon's queue, as admissions would have (scores in µs, in order). */
export async function fillQueue(redis: Redis, couponId: string, waiting: number): Promise<void> {
  const k = couponKeys(couponId);
  const now = Date.now() * 1000;
  for (let i = 0; i < waiting; i += 10_000) {
    const batch: (string | number)[] = [];
    for (let j = i; j < Math.min(waiting, i + 10_000); j++) batch.push(now + j, `w${j}`);
    await redis.zadd(k.queue, ...batch);
  }
  if (waiting > 0) await redis.hset(k.state, 'seq', now + waiting);
}

export const round = (value: number, digits = 1) => Number(value.toFixed(digits));

/** Prints a table: one object per row, the keys as columns. */
export function printTable(title: string, rows: Record<string, string | number>[]): void {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cell = (v: unknown) => (typeof v === 'number' ? v.toLocaleString('en-US') : String(v ?? ''));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) => values.map((v, i) => v.padStart(widths[i] as number)).join('  ');
  console.log(`\n${title}`);
  console.log(line(columns));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(columns.map((c) => cell(row[c]))));
}

export function machine() {
  let redisVersion = 'unknown';
  try {
    redisVersion = execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim();
  } catch {}
  return {
    node: process.version,
    cpus: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}`,
    memoryGiB: round(totalmem() / 2 ** 30),
    loadAverage: loadavg().map((l) => round(l, 2)),
    redis: redisVersion,
    at: new Date().toISOString(),
  };
}

/** Writes bench/results/<name>.json. */
export function writeResult(name: string, result: unknown): string {
  const dir = join(process.cwd(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ name, machine: machine(), ...(result as object) }, null, 2)}\n`);
  return file;
}

/** Runs `work` from `concurrency` loops until `total` calls are done; latencies in ms. */
export async function closedLoop(
  total: number,
  concurrency: number,
  work: (i: number) => Promise<unknown>,
): Promise<{ seconds: number; rate: number; latencies: number[] }> {
  const latencies: number[] = new Array(total);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t = performance.now();
        await work(i);
        latencies[i] = performance.now() - t;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { seconds, rate: total / seconds, latencies };
}

/** A benchmark's target, checked: met or missed, and by how much. `met` is undefined when not measured. */
export interface Verdict {
  target: string;
  /** `>= 50%`, `< 20 ms`. */
  bound: string;
  measured: string;
  met: boolean | undefined;
  /** `short by 2% (4% of the bound)`, `under by 11 ms (55% of the bound)`. */
  by: string;
}

/**
 * Checks `measured` against a bound: `atLeast` (a rate, a ratio) or `below` (a latency, a time).
 * `show` writes a value in the target's unit, e.g. `(v) => `${Math.round(v * 100)}%``.
 */
export function checkTarget(
  target: string,
  measured: number | undefined,
  bound: { atLeast: number } | { below: number } | { atMost: number },
  show: (value: number) => string,
): Verdict {
  const [operator, limit] =
    'atLeast' in bound ? ['>=', bound.atLeast] : 'below' in bound ? ['<', bound.below] : ['<=', bound.atMost];
  const boundText = `${operator} ${show(limit)}`;
  if (measured === undefined || Number.isNaN(measured)) {
    return { target, bound: boundText, measured: 'not measured', met: undefined, by: '' };
  }
  const met = operator === '>=' ? measured >= limit : operator === '<' ? measured < limit : measured <= limit;
  const side = operator === '>=' ? (met ? 'above' : 'short') : met ? 'under' : 'over';
  const gap = Math.abs(measured - limit);
  const share = limit === 0 ? '' : ` (${Math.round((gap / limit) * 100)}% of the bound)`;
  return { target, bound: boundText, measured: show(measured), met, by: `${side} by ${show(gap)}${share}` };
}

/**
 * Prints each target's verdict and makes the process exit non-zero when one is missed, so a
 * regression shows in `npm run bench`'s exit status. Returns the verdicts for the result file.
 */
export function reportVerdicts(benchmark: string, verdicts: Verdict[]): Verdict[] {
  console.log(`\n${benchmark}: targets`);
  for (const v of verdicts) {
    const word = v.met === undefined ? 'NOT CHECKED' : v.met ? 'met' : 'MISSED';
    console.log(`  ${word.padEnd(11)}  ${v.target} ${v.bound}: ${v.measured}${v.by ? `, ${v.by}` : ''}`);
  }
  if (verdicts.some((v) => v.met === false)) process.exitCode = 1;
  return verdicts;
}

/**
 * An HTTP API (payload format 2.0) event as API Gateway sends it, for calling a handler in process:
 * the tests' event (test/support/api-gateway.ts) with a whole request context.
 */
export function apiEvent(
  method: string,
  path: string,
  options: {
    body?: unknown;
    pathParameters?: Record<string, string>;
    query?: Record<string, string>;
    route: string;
  },
): APIGatewayProxyEventV2 {
  const now = Date.now();
  const routeKey = `${method} ${options.route}`;
  return apiGatewayEvent(routeKey, {
    rawPath: path,
    rawQueryString: options.query ? new URLSearchParams(options.query).toString() : '',
    headers: { host: 'bench' },
    queryStringParameters: options.query,
    pathParameters: options.pathParameters,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      domainName: 'bench',
      domainPrefix: 'bench',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
  });
}
