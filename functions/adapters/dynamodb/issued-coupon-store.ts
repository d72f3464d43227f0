import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { CommitOutcome, HolderPage, IssuedCoupon } from '#domain/model';
import type { IssuedCouponStore } from '#domain/ports';
import { backoff, isUnavailable, rethrowDynamoDbError } from './errors';
import { ISSUED_BY_COUPON_INDEX, ISSUED_SHARDS } from './schema';
import { couponShard } from './shards';

export interface CommitSettings {
  /** Rows per transaction, besides the ledger item (TransactWriteItems takes 100 actions). */
  rowsPerTransaction: number;
  /** Tries per transaction against throttling, conflicts and outages, within the deadline. */
  maxAttempts: number;
  /** Backoff: full jitter over min(maxDelayMs, baseDelayMs * 2^attempt). */
  baseDelayMs: number;
  maxDelayMs: number;
}

const DEFAULT_SETTINGS: CommitSettings = {
  rowsPerTransaction: 99,
  maxAttempts: 8,
  baseDelayMs: 25,
  maxDelayMs: 1000,
};

/** Cancellation reasons worth another try: the same transaction may go through later. */
const RETRY_REASONS = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded']);

type Item = Record<string, unknown>;
type ChunkEnd = 'done' | 'fenced' | 'full' | 'failed';

/**
 * Issued coupons in DynamoDB, and the ledger that counts them (the coupon's item in the coupons
 * table). Claims are written in transactions of up to 99 rows plus the ledger: each row is put
 * only if absent, so a row once written is never rewritten (`used`, set by whoever redeems
 * coupons, survives every retry); the count rises only while it stays within the stock and only
 * for the generation the claims were made under. One transaction at a time per coupon: they all
 * write the same ledger item.
 */
export class DynamoIssuedCouponStore implements IssuedCouponStore {
  private readonly settings: CommitSettings;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: { issuedTable: string; couponsTable: string },
    settings: Partial<CommitSettings> = {},
  ) {
    this.settings = { ...DEFAULT_SETTINGS, ...settings };
  }

  async commit(
    couponId: string,
    generation: number,
    rows: IssuedCoupon[],
    deadline: number,
  ): Promise<CommitOutcome> {
    const outcome: CommitOutcome = { persisted: [], heldBefore: [], refused: [], fenced: [], failed: [] };
    let end: ChunkEnd = 'done';
    for (let i = 0; i < rows.length; i += this.settings.rowsPerTransaction) {
      const chunk = rows.slice(i, i + this.settings.rowsPerTransaction);
      // A fence or an outage holds for the rest of the claims (they stay pending, nothing is lost).
      // A full ledger does not: a later chunk may hold rows already written (a claim leased
      // again), which must be found, not refused and undone.
      if (end === 'done' || end === 'full')
        end = await this.commitChunk(couponId, generation, chunk, deadline, outcome);
      else if (end === 'fenced') outcome.fenced.push(...chunk);
      else outcome.failed.push(...chunk);
    }
    return outcome;
  }

  private async commitChunk(
    couponId: string,
    generation: number,
    chunk: IssuedCoupon[],
    deadline: number,
    outcome: CommitOutcome,
  ): Promise<ChunkEnd> {
    let todo = chunk;
    let failures = 0;
    while (todo.length > 0) {
      const timeLeft = deadline - Date.now();
      if (timeLeft <= 0 || failures >= this.settings.maxAttempts) {
        outcome.failed.push(...todo);
        return 'failed';
      }
      try {
        await this.db.send(this.transaction(couponId, generation, todo), {
          abortSignal: AbortSignal.timeout(timeLeft),
        });
        outcome.persisted.push(...todo);
        return 'done';
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) {
          if (!isUnavailable(error)) throw error;
          // Down, throttled, timed out (maybe after it committed: the next try then finds its rows).
          outcome.error = error;
          failures += 1;
          await this.backoff(failures, deadline);
          continue;
        }
        const reasons = error.CancellationReasons ?? [];
        const written = await this.alreadyWritten(todo, reasons);
        if (written.size > 0) {
          for (const row of todo) {
            const existing = written.get(row.userId);
            if (existing === undefined) continue;
            // The same claim written by an earlier try, or the user's coupon from an earlier claim.
            if (existing.issuedAt === row.issuedAt) outcome.persisted.push(row);
            else outcome.heldBefore.push({ userId: row.userId, issuedAt: existing.issuedAt });
          }
          todo = todo.filter((row) => !written.has(row.userId));
          continue;
        }
        if (reasons[todo.length]?.Code === 'ConditionalCheckFailed') {
          const ledger = await this.ledger(couponId);
          if (!ledger || ledger.generation !== generation) {
            outcome.fenced.push(...todo);
            return 'fenced';
          }
          if (ledger.remaining < todo.length) {
            const fit = Math.max(ledger.remaining, 0);
            outcome.refused.push(...todo.slice(fit));
            todo = todo.slice(0, fit);
            if (fit === 0) return 'full';
          }
          continue;
        }
        if (reasons.some((reason) => RETRY_REASONS.has(reason.Code ?? ''))) {
          outcome.error = error;
          failures += 1;
          await this.backoff(failures, deadline);
          continue;
        }
        throw error;
      }
    }
    return 'done';
  }

  private transaction(couponId: string, generation: number, rows: IssuedCoupon[]) {
    return new TransactWriteCommand({
      TransactItems: [
        ...rows.map((row) => ({
          Put: {
            TableName: this.tables.issuedTable,
            Item: { ...row, generation, couponShard: couponShard(couponId, row.userId) },
            ConditionExpression: 'attribute_not_exists(userId)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
          },
        })),
        {
          Update: {
            TableName: this.tables.couponsTable,
            Key: { couponId },
            UpdateExpression: 'SET issued = issued + :n, remaining = remaining - :n',
            ConditionExpression: 'generation = :generation AND remaining >= :n',
            ExpressionAttributeValues: { ':n': rows.length, ':generation': generation },
          },
        },
      ],
    });
  }

  /** Rows of `todo` that exist already, with their issue time, from the cancellation reasons. */
  private async alreadyWritten(
    todo: IssuedCoupon[],
    reasons: { Code?: string; Item?: Record<string, unknown> }[],
  ): Promise<Map<string, { issuedAt: string }>> {
    const written = new Map<string, { issuedAt: string }>();
    for (const [i, row] of todo.entries()) {
      const reason = reasons[i];
      if (reason?.Code !== 'ConditionalCheckFailed') continue;
      // DynamoDB returns the existing item with the reason; read it where an emulator does not.
      const item = reason.Item
        ? unmarshall(reason.Item as never)
        : await this.holding(row.couponId, row.userId);
      written.set(row.userId, { issuedAt: String(item?.issuedAt ?? '') });
    }
    return written;
  }

  private async ledger(couponId: string): Promise<{ generation: number; remaining: number } | undefined> {
    try {
      const { Item } = await this.db.send(
        new GetCommand({
          TableName: this.tables.couponsTable,
          Key: { couponId },
          ConsistentRead: true,
          ProjectionExpression: 'generation, remaining',
        }),
      );
      return Item ? { generation: Number(Item.generation), remaining: Number(Item.remaining) } : undefined;
    } catch (error) {
      rethrowDynamoDbError(error, false);
    }
  }

  private backoff(attempt: number, deadline: number): Promise<void> {
    return backoff(attempt, { baseMs: this.settings.baseDelayMs, maxMs: this.settings.maxDelayMs, deadline });
  }

  async listByUser(userId: string): Promise<IssuedCoupon[]> {
    const items: IssuedCoupon[] = [];
    try {
      for await (const page of paginateQuery(
        { client: this.db },
        {
          TableName: this.tables.issuedTable,
          KeyConditionExpression: 'userId = :userId',
          ExpressionAttributeValues: { ':userId': userId },
          ConsistentRead: true,
        },
      )) {
        for (const item of page.Items ?? []) items.push(toIssued(item));
      }
    } catch (error) {
      rethrowDynamoDbError(error, false);
    }
    return items;
  }

  async holding(couponId: string, userId: string): Promise<IssuedCoupon | undefined> {
    try {
      const { Item } = await this.db.send(
        new GetCommand({
          TableName: this.tables.issuedTable,
          Key: { userId, couponId },
          ConsistentRead: true,
        }),
      );
      return Item ? toIssued(Item) : undefined;
    } catch (error) {
      rethrowDynamoDbError(error, false);
    }
  }

  async holders(couponId: string, cursor: string | undefined, limit: number): Promise<HolderPage> {
    let { shard, key } = cursor
      ? (JSON.parse(cursor) as { shard: number; key?: Item })
      : { shard: 0, key: undefined };
    const holders: HolderPage['holders'] = [];
    try {
      while (shard < ISSUED_SHARDS && holders.length < limit) {
        const page = await this.db.send(
          new QueryCommand({
            TableName: this.tables.issuedTable,
            IndexName: ISSUED_BY_COUPON_INDEX.name,
            KeyConditionExpression: '#shard = :shard',
            ExpressionAttributeNames: { '#shard': ISSUED_BY_COUPON_INDEX.partitionKey },
            ExpressionAttributeValues: { ':shard': `${couponId}#${shard}` },
            ExclusiveStartKey: key,
            Limit: limit - holders.length,
          }),
        );
        for (const item of page.Items ?? []) {
          holders.push({ userId: String(item.userId), issuedAt: String(item.issuedAt) });
        }
        key = page.LastEvaluatedKey;
        if (!key) shard += 1;
      }
    } catch (error) {
      rethrowDynamoDbError(error, false);
    }
    return { holders, cursor: shard < ISSUED_SHARDS ? JSON.stringify({ shard, key }) : undefined };
  }
}

function toIssued(item: Item): IssuedCoupon {
  return {
    couponId: String(item.couponId),
    userId: String(item.userId),
    issuedAt: String(item.issuedAt),
    used: item.used === true,
  };
}
