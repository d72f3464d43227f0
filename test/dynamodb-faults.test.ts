import {
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoIssuedCouponStore } from '#adapters/dynamodb/issued-coupon-store';
import { DependencyUnavailable } from '#domain/errors';
import type { IssuedCoupon } from '#domain/model';

// Ledger error paths a real server cannot produce on demand: transaction conflicts, throttling
// and cancellation reasons of every kind. The rows and the ledger are checked against DynamoDB
// Local in ledger.test.ts; here, what the store sends and how it reads the answers.

const tables = { issuedTable: 'issued', couponsTable: 'coupons' };
const document = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamo = mockClient(document);
afterEach(() => dynamo.reset());

const ISSUED_AT = '2026-11-26T00:00:00.000Z';
const rows = (n: number): IssuedCoupon[] =>
  Array.from({ length: n }, (_, i) => ({
    couponId: 'c1',
    userId: `u${i}`,
    issuedAt: ISSUED_AT,
    used: false,
  }));
const fast = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 };
const store = () => new DynamoIssuedCouponStore(document, tables, fast);
const later = () => Date.now() + 10_000;

type Action = {
  Put?: { Item: IssuedCoupon };
  Update?: { ExpressionAttributeValues: Record<string, unknown> };
};
const sent = () =>
  dynamo.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.TransactItems as Action[]);
const users = (actions: Action[] | undefined) =>
  (actions ?? []).flatMap((a) => (a.Put ? [a.Put.Item.userId] : []));
const counted = (actions: Action[] | undefined) => actions?.at(-1)?.Update?.ExpressionAttributeValues[':n'];

function cancelled(reasons: { Code: string; Item?: Record<string, unknown> }[]) {
  return new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: reasons.map((r) => ({ Code: r.Code, Item: r.Item ? marshall(r.Item) : undefined })),
  });
}
const none = { Code: 'None' };
/** The reasons of a transaction of `rows` rows whose ledger update (the last action) failed its condition. */
const ledgerFailed = (rows: number) => [
  ...Array.from({ length: rows }, () => none),
  { Code: 'ConditionalCheckFailed' },
];

describe('ledger transactions', () => {
  it('writes up to 99 rows and the ledger per transaction, in order, and counts each row', async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    const outcome = await store().commit('c1', 3, rows(250), later());
    const calls = sent();
    expect(calls.map((actions) => actions.length)).toEqual([100, 100, 53]);
    expect(calls.flatMap(users)).toEqual(rows(250).map((r) => r.userId));
    expect(calls.map(counted)).toEqual([99, 99, 52]);
    expect(calls[0]?.at(-1)?.Update?.ExpressionAttributeValues).toMatchObject({ ':generation': 3 });
    expect(outcome.persisted).toHaveLength(250);
  });

  it('tries again after a transaction conflict or throttling, and counts the rows once', async () => {
    dynamo
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled([none, none, { Code: 'TransactionConflict' }]))
      .rejectsOnce(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }))
      .resolves({});
    const outcome = await store().commit('c1', 1, rows(2), later());
    expect(sent()).toHaveLength(3);
    expect(outcome.persisted.map((r) => r.userId)).toEqual(['u0', 'u1']);
    expect(outcome.failed).toEqual([]);
  });

  it('gives the rows back as failed when throttling persists, with the error', async () => {
    const throttled = new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
    dynamo.on(TransactWriteCommand).rejects(throttled);
    const outcome = await store().commit('c1', 1, rows(150), later());
    expect(sent()).toHaveLength(fast.maxAttempts); // the second transaction is not tried
    expect(outcome.failed).toHaveLength(150);
    expect(outcome.persisted).toEqual([]);
    expect(outcome.error).toBe(throttled);
  });

  it('takes rows that exist as written (the same claim) or held before (another claim), and counts only new ones', async () => {
    dynamo
      .on(TransactWriteCommand)
      .rejectsOnce(
        cancelled([
          { Code: 'ConditionalCheckFailed', Item: { userId: 'u0', couponId: 'c1', issuedAt: ISSUED_AT } },
          none,
          {
            Code: 'ConditionalCheckFailed',
            Item: { userId: 'u2', couponId: 'c1', issuedAt: '2026-01-01T00:00:00.000Z' },
          },
          none,
          none,
        ]),
      )
      .resolves({});
    const outcome = await store().commit('c1', 1, rows(4), later());
    const [, retry] = sent();
    expect(users(retry)).toEqual(['u1', 'u3']);
    expect(counted(retry)).toBe(2);
    expect(outcome.persisted.map((r) => r.userId).sort()).toEqual(['u0', 'u1', 'u3']);
    expect(outcome.heldBefore).toEqual([{ userId: 'u2', issuedAt: '2026-01-01T00:00:00.000Z' }]);
  });

  it('fences off claims of a generation the ledger moved past, and writes none of them', async () => {
    dynamo.on(TransactWriteCommand).rejects(cancelled(ledgerFailed(99)));
    dynamo.on(GetCommand).resolves({ Item: { generation: 5, remaining: 100 } });
    const outcome = await store().commit('c1', 4, rows(150), later());
    expect(sent()).toHaveLength(1);
    expect(outcome.fenced).toHaveLength(150);
    expect(outcome.persisted).toEqual([]);
  });

  it('refuses what the ledger has no stock for, and writes what fits, first come first', async () => {
    dynamo
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled(ledgerFailed(3)))
      .resolves({});
    dynamo.on(GetCommand).resolves({ Item: { generation: 1, remaining: 1 } });
    const outcome = await store().commit('c1', 1, rows(3), later());
    const [, retry] = sent();
    expect(users(retry)).toEqual(['u0']);
    expect(outcome.persisted.map((r) => r.userId)).toEqual(['u0']);
    expect(outcome.refused.map((r) => r.userId)).toEqual(['u1', 'u2']);
  });

  it('turns a throttled or unreachable read into DependencyUnavailable (a 503)', async () => {
    dynamo
      .on(QueryCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    await expect(store().listByUser('u1')).rejects.toBeInstanceOf(DependencyUnavailable);
    dynamo.reset();
    dynamo
      .on(QueryCommand)
      .rejects(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    await expect(store().holders('c1', undefined, 10)).rejects.toBeInstanceOf(DependencyUnavailable);
  });
});
