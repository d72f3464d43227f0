import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, expect, it } from 'vitest';
import { DynamoIssuedCouponStore } from '#adapters/dynamodb/issued-coupon-store';
import { Drain } from '#domain/drain';
import { engine } from './support/engine';
import { issuedRows, testDynamoDb, uniqueId } from './support/helpers';

// A DynamoDB call that times out after the write went through: the rows are written for real
// (DynamoDB Local), the caller sees an error and writes again. Nothing may be lost or doubled.

const real = testDynamoDb();
const flaky = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT }));
const dynamo = mockClient(flaky);
const main = engine();
afterAll(async () => {
  dynamo.restore();
  await main.close();
});

const timeout = () => Object.assign(new Error('socket timed out'), { name: 'TimeoutError', $metadata: {} });
const table = () => process.env.ISSUED_TABLE as string;
const fast = { concurrency: 4, maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 };

async function queued(couponId: string, users: number) {
  await main.create(couponId, users);
  for (let i = 0; i < users; i++) await main.queue.admit(couponId, `u${i}`);
}

it('retries a batch whose write succeeded but whose answer was lost, without a second row', async () => {
  const couponId = uniqueId('timeout');
  await queued(couponId, 40);
  let writes = 0;
  dynamo.reset();
  dynamo.on(BatchWriteCommand).callsFake(async (input: BatchWriteCommandInput) => {
    const call = ++writes;
    await real.send(new BatchWriteCommand(input));
    if (call <= 2) throw timeout(); // the first two calls land, then "time out"
    return {};
  });
  const drain = new Drain(main.queue, new DynamoIssuedCouponStore(flaky, table(), fast), {
    batchSize: 40,
    pendingTimeoutMs: 30_000,
  });
  const report = await drain.tick(Date.now() + 10_000);
  expect(report).toMatchObject({ claimed: 40, persisted: 40, failed: 0, pending: 0 });
  expect(writes).toBe(4); // two batches of 25 + 15, each written twice
  const rows = await issuedRows(real, couponId);
  expect(rows).toHaveLength(40);
  expect(new Set(rows).size).toBe(40);
});

it('leaves the claims pending when every try times out, and a later drain persists them once', async () => {
  const couponId = uniqueId('timeout');
  await queued(couponId, 30);
  dynamo.reset();
  dynamo.on(BatchWriteCommand).callsFake(async (input: BatchWriteCommandInput) => {
    await real.send(new BatchWriteCommand(input));
    throw timeout();
  });
  const failing = new Drain(main.queue, new DynamoIssuedCouponStore(flaky, table(), fast), {
    batchSize: 30,
    pendingTimeoutMs: 200,
  });
  const first = await failing.tick(Date.now() + 10_000);
  expect(first).toMatchObject({ claimed: 30, persisted: 0, failed: 30, pending: 30 });
  expect(String((first.lastError as Error).name)).toBe('TimeoutError');

  await new Promise((resolve) => setTimeout(resolve, 250));
  const healed = await main.drain({ pendingTimeoutMs: 200 }).tick(Date.now() + 10_000);
  expect(healed).toMatchObject({ recovered: 30, pending: 0 });
  const rows = await issuedRows(real, couponId);
  expect(rows.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `u${i}`).sort());
});
