import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoIssuedCouponStore } from '#adapters/dynamodb/issued-coupon-store';
import { DependencyUnavailable } from '#domain/errors';
import type { IssuedCoupon } from '#domain/model';

// DynamoDB error paths a real server cannot produce on demand: UnprocessedItems and throttling.

const TABLE = 'issued';
const document = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamo = mockClient(document);
afterEach(() => dynamo.reset());

const rows = (n: number): IssuedCoupon[] =>
  Array.from({ length: n }, (_, i) => ({
    couponId: 'c1',
    userId: `u${i}`,
    issuedAt: '2026-11-26T00:00:00.000Z',
    used: false,
  }));
const fast = { concurrency: 4, maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 };
type Put = { PutRequest: { Item: IssuedCoupon } };
const sentPuts = () =>
  dynamo
    .commandCalls(BatchWriteCommand)
    .map((call) => (call.args[0].input.RequestItems?.[TABLE] ?? []) as Put[]);

describe('saving issued coupons with BatchWriteItem', () => {
  it('sends at most 25 rows a call, and every row once when all goes well', async () => {
    dynamo.on(BatchWriteCommand).resolves({});
    const outcome = await new DynamoIssuedCouponStore(document, TABLE, fast).saveAll(rows(60));
    expect(
      sentPuts()
        .map((puts) => puts.length)
        .sort((a, b) => a - b),
    ).toEqual([10, 25, 25]);
    expect(outcome.saved).toHaveLength(60);
    expect(outcome.failed).toEqual([]);
  });

  it('retries UnprocessedItems until they are written', async () => {
    let calls = 0;
    dynamo.on(BatchWriteCommand).callsFake((input) => {
      calls += 1;
      const puts = input.RequestItems[TABLE] as Put[];
      // The first two tries leave the last three rows unprocessed.
      return calls <= 2 ? { UnprocessedItems: { [TABLE]: puts.slice(-3) } } : {};
    });
    const outcome = await new DynamoIssuedCouponStore(document, TABLE, fast).saveAll(rows(10));
    expect(calls).toBe(3);
    const sent = sentPuts();
    expect(sent[1]?.map((p) => p.PutRequest.Item.userId)).toEqual(['u7', 'u8', 'u9']);
    expect(sent[2]?.map((p) => p.PutRequest.Item.userId)).toEqual(['u7', 'u8', 'u9']);
    expect(outcome.saved).toHaveLength(10);
    expect(outcome.failed).toEqual([]);
  });

  it('gives back exactly the rows still unprocessed after the last try', async () => {
    dynamo.on(BatchWriteCommand).callsFake((input) => {
      const puts = input.RequestItems[TABLE] as Put[];
      return { UnprocessedItems: { [TABLE]: puts.filter((p) => p.PutRequest.Item.userId === 'u4') } };
    });
    const outcome = await new DynamoIssuedCouponStore(document, TABLE, fast).saveAll(rows(6));
    expect(dynamo.commandCalls(BatchWriteCommand)).toHaveLength(fast.maxAttempts);
    expect(outcome.failed.map((row) => row.userId)).toEqual(['u4']);
    expect(outcome.saved.map((row) => row.userId).sort()).toEqual(['u0', 'u1', 'u2', 'u3', 'u5']);
  });

  it('retries a throttled batch and reports the rows as failed when throttling persists', async () => {
    const throttled = new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
    dynamo.on(BatchWriteCommand).rejectsOnce(throttled).resolves({});
    const recovered = await new DynamoIssuedCouponStore(document, TABLE, fast).saveAll(rows(5));
    expect(recovered.saved).toHaveLength(5);

    dynamo.reset();
    dynamo.on(BatchWriteCommand).rejects(throttled);
    const outcome = await new DynamoIssuedCouponStore(document, TABLE, fast).saveAll(rows(30));
    expect(outcome.saved).toEqual([]);
    expect(outcome.failed).toHaveLength(30);
    expect(outcome.error).toBe(throttled);
  });

  it('turns a throttled or unreachable read into DependencyUnavailable (a 503)', async () => {
    dynamo
      .on(QueryCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    const store = new DynamoIssuedCouponStore(document, TABLE, fast);
    await expect(store.listByUser('u1')).rejects.toBeInstanceOf(DependencyUnavailable);
    dynamo.reset();
    dynamo
      .on(QueryCommand)
      .rejects(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    await expect(store.listByCoupon('c1')).rejects.toBeInstanceOf(DependencyUnavailable);
  });
});
