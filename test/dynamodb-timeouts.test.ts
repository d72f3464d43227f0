import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, expect, it } from 'vitest';
import { DynamoIssuedCouponStore } from '#adapters/dynamodb/issued-coupon-store';
import { engine, part } from './support/engine';
import { issuedRows, testDynamoDb, uniqueId } from './support/helpers';

// A ledger transaction that times out after it committed: the rows and the count are written for
// real (DynamoDB Local), the caller sees an error and tries again. Nothing may be lost, doubled,
// or counted twice.

const real = testDynamoDb();
const flaky = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT }));
const dynamo = mockClient(flaky);
const main = engine();
afterAll(async () => {
  dynamo.restore();
  await main.close();
});

const timeout = () => Object.assign(new Error('socket timed out'), { name: 'TimeoutError', $metadata: {} });
const tables = () => ({
  issuedTable: process.env.ISSUED_TABLE as string,
  couponsTable: process.env.COUPONS_TABLE as string,
});
const fast = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 };

async function queued(couponId: string, users: number) {
  await main.create(couponId, users);
  for (let i = 0; i < users; i++) await main.queue.admit(couponId, `u${i}`);
}

/** Everything but transactions goes to DynamoDB Local untouched. */
function passThrough() {
  dynamo.reset();
  dynamo.callsFake((input, getClient) => getClient().send(input));
  dynamo.on(GetCommand).callsFake((input) => real.send(new GetCommand(input)));
}

it('tries again a transaction that committed but whose answer was lost: each row once, counted once', async () => {
  const couponId = uniqueId('timeout');
  await queued(couponId, 120);
  let sends = 0;
  passThrough();
  dynamo.on(TransactWriteCommand).callsFake(async (input: TransactWriteCommandInput) => {
    const call = ++sends;
    await real.send(new TransactWriteCommand(input));
    if (call <= 2) throw timeout(); // the first two transactions land, then "time out"
    return {};
  });
  const drain = main.drain({ batchSize: 120 }, { store: new DynamoIssuedCouponStore(flaky, tables(), fast) });
  const report = part(await drain.tick(Date.now() + 10_000), couponId);
  expect(report).toMatchObject({ claimed: 120, persisted: 120, failed: 0, heldBefore: 0, pending: 0 });
  const rows = await issuedRows(real, couponId);
  expect(rows).toHaveLength(120);
  expect(new Set(rows).size).toBe(120);
  expect((await main.catalog.get(couponId))?.ledger).toMatchObject({ issued: 120, remaining: 0 });
});

it('leaves the claims pending when every try times out, and a later drain persists them once', async () => {
  const couponId = uniqueId('timeout');
  await queued(couponId, 30);
  passThrough();
  dynamo.on(TransactWriteCommand).callsFake(async (input: TransactWriteCommandInput) => {
    await real.send(new TransactWriteCommand(input)).catch(() => {});
    throw timeout();
  });
  const failing = main.drain(
    { batchSize: 30, pendingTimeoutMs: 200 },
    { store: new DynamoIssuedCouponStore(flaky, tables(), fast) },
  );
  const first = part(await failing.tick(Date.now() + 10_000), couponId);
  expect(first).toMatchObject({ claimed: 30, persisted: 0, failed: 30, pending: 30 });
  expect((first.lastError as Error | undefined)?.name).toBe('TimeoutError');

  const healed = main.drain({ pendingTimeoutMs: 200 });
  await expect
    .poll(async () => part(await healed.tick(Date.now() + 10_000), couponId), {
      timeout: 10_000,
      interval: 100,
    })
    .toMatchObject({ recovered: 30, pending: 0 });
  const rows = await issuedRows(real, couponId);
  expect(rows.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `u${i}`).sort());
  expect((await main.catalog.get(couponId))?.ledger).toMatchObject({ issued: 30, remaining: 0 });
});
