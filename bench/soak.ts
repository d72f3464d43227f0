// A longer run (npm run soak -- --minutes 3): steady load on several local-runtime processes
// sharing one Redis and one DynamoDB, each with its own drain, while processes are killed with
// SIGKILL at random and restarted. At the end, the invariants of every coupon are printed.
//
// Options: --minutes 3  --processes 3  --rate 400 (requests/s)  --stock 3000 (per coupon)
//          --coupons 3  --kill-every 4 (seconds, on average)

import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Redis } from 'ioredis';
import { couponKeys } from '#adapters/redis/keys';
import { ensureTables, localAwsEnvironment, startDynamoDbLocal } from '#local/dynamodb';
import { startRedis } from '#local/redis-server';
import { type Answer, checkInvariants } from '../test/support/invariants';
import { buildLocalRuntime, postJson, type RuntimeProcess, startRuntime } from '../test/support/processes';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '3' },
    processes: { type: 'string', default: '3' },
    rate: { type: 'string', default: '400' },
    stock: { type: 'string', default: '3000' },
    coupons: { type: 'string', default: '3' },
    'kill-every': { type: 'string', default: '4' },
  },
});
const minutes = Number(values.minutes);
const processCount = Number(values.processes);
const rate = Number(values.rate);
const stock = Number(values.stock);
const couponCount = Number(values.coupons);
const killEveryMs = Number(values['kill-every']) * 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

localAwsEnvironment(process.env);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const redisServer = process.env.REDIS_URL ? undefined : await startRedis();
const dynamo = process.env.DYNAMODB_ENDPOINT ? undefined : await startDynamoDbLocal();
const env = {
  REDIS_URL: (process.env.REDIS_URL ?? redisServer?.url) as string,
  DYNAMODB_ENDPOINT: (process.env.DYNAMODB_ENDPOINT ?? dynamo?.endpoint) as string,
  REDIS_KEY_PREFIX: `soak${Date.now()}:`,
  COUPONS_TABLE: 'soak-coupons',
  ISSUED_TABLE: 'soak-issued',
  DRAIN_INTERVAL_MS: '200',
  DRAIN_BATCH_SIZE: '50',
  PENDING_TIMEOUT_MS: '2000',
};
// The processes started below inherit this environment.
Object.assign(process.env, env);
await ensureTables(env.DYNAMODB_ENDPOINT, { couponsTable: env.COUPONS_TABLE, issuedTable: env.ISSUED_TABLE });
buildLocalRuntime();

const processes: RuntimeProcess[] = [];
for (let i = 0; i < processCount; i++) processes.push(await startRuntime());
const couponIds = Array.from({ length: couponCount }, (_, i) => `soak-${i}`);
for (const couponId of couponIds) {
  await postJson(`${processes[0]?.url}/coupons`, { couponId, name: couponId, stock });
}

const answers = new Map<string, Answer[]>(couponIds.map((id) => [id, []]));
let sent = 0;
let lost = 0;
let kills = 0;
const end = Date.now() + minutes * 60_000;
console.log(
  `soak: ${minutes} min, ${processCount} processes, ${rate} req/s, ${couponCount} coupons of ${stock}, a kill every ~${killEveryMs / 1000} s`,
);

const killer = (async () => {
  while (Date.now() < end) {
    await sleep(Math.random() * 2 * killEveryMs);
    if (Date.now() >= end) break;
    const victim = Math.floor(Math.random() * processes.length);
    const old = processes[victim] as RuntimeProcess;
    old.child.kill('SIGKILL');
    await old.exited;
    kills += 1;
    processes[victim] = await startRuntime();
  }
})();

const load = (async () => {
  const userSpace = Math.ceil(stock * 1.5);
  while (Date.now() < end) {
    const tickStart = Date.now();
    const batch = Math.ceil(rate / 10);
    await Promise.all(
      Array.from({ length: batch }, async () => {
        const couponId = couponIds[Math.floor(Math.random() * couponIds.length)] as string;
        const userId = `u${Math.floor(Math.random() * userSpace)}`;
        const target = processes[Math.floor(Math.random() * processes.length)] as RuntimeProcess;
        const sentAt = Date.now();
        sent += 1;
        try {
          const { status } = await postJson(`${target.url}/coupons/${couponId}/requests`, { userId });
          answers.get(couponId)?.push({ userId, status, sentAt, receivedAt: Date.now() });
        } catch {
          lost += 1; // the process was killed under the request: no answer was given
        }
      }),
    );
    await sleep(Math.max(0, 100 - (Date.now() - tickStart)));
  }
})();

await Promise.all([killer, load]);
const redis = new Redis(env.REDIS_URL, { keyPrefix: env.REDIS_KEY_PREFIX });
const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: env.DYNAMODB_ENDPOINT }));
for (let i = 0; i < 300; i++) {
  const depths = await Promise.all(
    couponIds.flatMap((id) => [redis.zcard(couponKeys(id).queue), redis.zcard(couponKeys(id).pending)]),
  );
  if (depths.every((d) => d === 0)) break;
  await sleep(200);
}

let failed = false;
console.log(
  `\nsent ${sent} requests, ${lost} without an answer (process killed), ${kills} processes killed\n`,
);
console.log('coupon    stock  rows  issued  queued  pending  QUEUED  SOLD_OUT  ALREADY  violations');
for (const couponId of couponIds) {
  const report = await checkInvariants({
    redis,
    db,
    issuedTable: env.ISSUED_TABLE,
    couponId,
    stock,
    answers: answers.get(couponId) ?? [],
  });
  const f = report.figures;
  console.log(
    `${[
      couponId.padEnd(8),
      f.stock,
      f.rows,
      f.issued,
      f.queued,
      f.pending,
      f.queuedAnswers,
      f.soldOutAnswers,
      f.alreadyIssuedAnswers,
    ]
      .map((v) => String(v).padStart(6))
      .join(' ')}  ${report.violations.length}`,
  );
  for (const violation of report.violations.slice(0, 10)) console.log(`  ! ${violation}`);
  failed ||= report.violations.length > 0;
}
console.log(failed ? '\nINVARIANTS VIOLATED' : '\nall invariants hold');

for (const p of processes) p.child.kill('SIGKILL');
redis.disconnect();
db.destroy();
await dynamo?.stop();
await redisServer?.stop();
process.exit(failed ? 1 : 0);
