import { setTimeout as sleep } from 'node:timers/promises';
import { BatchWriteCommand, type DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { CouponHolder, IssuedCoupon } from '#domain/model';
import type { IssuedCouponStore, SaveOutcome } from '#domain/ports';
import { rethrowDynamoDbError } from './errors';
import { ISSUED_BY_COUPON_INDEX } from './schema';

export interface BatchWriteSettings {
  /** BatchWriteItem calls in flight at once. */
  concurrency: number;
  /** Tries per batch before its unprocessed items are given back as failed. */
  maxAttempts: number;
  /** Backoff: full jitter over min(maxDelayMs, baseDelayMs * 2^attempt). */
  baseDelayMs: number;
  maxDelayMs: number;
}

const BATCH_LIMIT = 25; // BatchWriteItem's own limit

const rowKey = (userId: unknown, couponId: unknown) => `${String(userId)}\u0000${String(couponId)}`;

/**
 * Issued coupons in DynamoDB, written with BatchWriteItem: 25 rows a call, several calls in
 * flight, UnprocessedItems retried with exponential backoff and full jitter. Each row's key is
 * (userId, couponId) and its content is fixed at claim time, so writing it twice is harmless.
 */
export class DynamoIssuedCouponStore implements IssuedCouponStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly settings: BatchWriteSettings = {
      concurrency: 8,
      maxAttempts: 8,
      baseDelayMs: 25,
      maxDelayMs: 1000,
    },
  ) {}

  async saveAll(coupons: IssuedCoupon[]): Promise<SaveOutcome> {
    const batches: IssuedCoupon[][] = [];
    for (let i = 0; i < coupons.length; i += BATCH_LIMIT) batches.push(coupons.slice(i, i + BATCH_LIMIT));
    const outcome: SaveOutcome = { saved: [], failed: [] };
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const batch = batches[next++] as IssuedCoupon[];
        const failed = await this.writeBatch(batch, outcome);
        const failedKeys = new Set(failed.map((c) => rowKey(c.userId, c.couponId)));
        for (const coupon of batch) {
          (failedKeys.has(rowKey(coupon.userId, coupon.couponId)) ? outcome.failed : outcome.saved).push(
            coupon,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.settings.concurrency, batches.length) }, worker));
    return outcome;
  }

  /** Returns the rows of `batch` that are still unwritten after every try. */
  private async writeBatch(batch: IssuedCoupon[], outcome: SaveOutcome): Promise<IssuedCoupon[]> {
    const byKey = new Map(batch.map((c) => [rowKey(c.userId, c.couponId), c]));
    let requests: { PutRequest: { Item: Record<string, unknown> } }[] = batch.map((coupon) => ({
      PutRequest: { Item: { ...coupon } },
    }));
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await this.db.send(
          new BatchWriteCommand({ RequestItems: { [this.table]: requests } }),
        );
        const unprocessed = result.UnprocessedItems?.[this.table] ?? [];
        if (unprocessed.length === 0) return [];
        requests = unprocessed.map((request) => ({ PutRequest: { Item: { ...request.PutRequest?.Item } } }));
      } catch (error) {
        // The SDK already retried throttling and network errors; the whole batch is unwritten.
        outcome.error = error;
      }
      if (attempt + 1 >= this.settings.maxAttempts) {
        return requests.flatMap(
          (r) => byKey.get(rowKey(r.PutRequest.Item.userId, r.PutRequest.Item.couponId)) ?? [],
        );
      }
      const ceiling = Math.min(this.settings.maxDelayMs, this.settings.baseDelayMs * 2 ** attempt);
      await sleep(Math.random() * ceiling);
    }
  }

  async listByUser(userId: string): Promise<IssuedCoupon[]> {
    const items: IssuedCoupon[] = [];
    try {
      for await (const page of paginateQuery(
        { client: this.db },
        {
          TableName: this.table,
          KeyConditionExpression: 'userId = :userId',
          ExpressionAttributeValues: { ':userId': userId },
        },
      )) {
        for (const item of page.Items ?? []) {
          items.push({
            couponId: String(item.couponId),
            userId: String(item.userId),
            issuedAt: String(item.issuedAt),
            used: item.used === true,
          });
        }
      }
    } catch (error) {
      rethrowDynamoDbError(error);
    }
    return items;
  }

  async listByCoupon(couponId: string): Promise<CouponHolder[]> {
    const holders: CouponHolder[] = [];
    try {
      for await (const page of paginateQuery(
        { client: this.db },
        {
          TableName: this.table,
          IndexName: ISSUED_BY_COUPON_INDEX.name,
          KeyConditionExpression: 'couponId = :couponId',
          ExpressionAttributeValues: { ':couponId': couponId },
        },
      )) {
        for (const item of page.Items ?? []) {
          holders.push({ userId: String(item.userId), issuedAt: String(item.issuedAt) });
        }
      }
    } catch (error) {
      rethrowDynamoDbError(error);
    }
    return holders;
  }
}
