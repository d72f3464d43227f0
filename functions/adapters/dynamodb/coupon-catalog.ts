import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { InvalidCursor } from '#domain/errors';
import type { Coupon, CouponPage, CouponRecord, FinishReason, SaleWindow } from '#domain/model';
import type { CouponCatalog } from '#domain/ports';
import { backoff, rethrowDynamoDbError } from './errors';
import { COUPONS_BY_CREATION_INDEX, LIVE_COUPONS_INDEX } from './schema';

type Item = Record<string, unknown>;

const KIND = 'COUPON';
const LIVE = 'LIVE';

function toRecord(item: Item): CouponRecord {
  const record: CouponRecord = {
    couponId: String(item.couponId),
    name: String(item.name),
    stock: Number(item.stock),
    createdAt: String(item.createdAt),
    ledger: {
      issued: Number(item.issued ?? 0),
      remaining: Number(item.remaining ?? item.stock),
      generation: Number(item.generation ?? 0),
    },
    version: Number(item.version ?? 1),
  };
  if (typeof item.opensAt === 'string') record.opensAt = item.opensAt;
  if (typeof item.closesAt === 'string') record.closesAt = item.closesAt;
  if (typeof item.finishedAt === 'string') {
    record.finished = { at: item.finishedAt, reason: item.finishReason as FinishReason };
  }
  return record;
}

/** Opaque pagination cursors: the index key DynamoDB gave, base64url JSON. */
function encodeCursor(key: Item | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

function decodeCursor(cursor: string | undefined, fields: readonly string[]): Item | undefined {
  if (cursor === undefined) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Item;
    const ok =
      key &&
      typeof key === 'object' &&
      fields.every((f) => typeof key[f] === 'string') &&
      Object.keys(key).length === fields.length;
    if (ok) return key;
  } catch {}
  throw new InvalidCursor();
}

/**
 * Coupon definitions in DynamoDB, each item also the coupon's ledger (issued, remaining,
 * generation; the drain's transactions keep them) and its lifecycle (`live` until finished).
 * Creates and top-ups carry a request token, so a retry of a call that went through is
 * recognized as the same call instead of answering "exists" or adding twice.
 */
export class DynamoCouponCatalog implements CouponCatalog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(coupon: Coupon, requestToken: string): Promise<'CREATED' | 'EXISTS'> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...coupon,
            issued: 0,
            remaining: coupon.stock,
            // Nothing can be claimed before the state exists: the first state is generation 1.
            generation: 1,
            version: 1,
            live: LIVE,
            kind: KIND,
            listKey: `${coupon.createdAt}#${coupon.couponId}`,
            createToken: requestToken,
          },
          ConditionExpression: 'attribute_not_exists(couponId)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'CREATED';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        // The SDK retries a put that timed out after it went through: that is this very call.
        return error.Item?.createToken?.S === requestToken ? 'CREATED' : 'EXISTS';
      }
      rethrowDynamoDbError(error, true);
    }
  }

  async get(couponId: string): Promise<CouponRecord | undefined> {
    try {
      const { Item } = await this.db.send(
        new GetCommand({ TableName: this.table, Key: { couponId }, ConsistentRead: true }),
      );
      return Item ? toRecord(Item) : undefined;
    } catch (error) {
      rethrowDynamoDbError(error, false);
    }
  }

  async getMany(couponIds: string[]): Promise<CouponRecord[]> {
    const found = new Map<string, CouponRecord>();
    try {
      for (let i = 0; i < couponIds.length; i += 100) {
        let keys: Item[] | undefined = couponIds.slice(i, i + 100).map((couponId) => ({ couponId }));
        for (let attempt = 0; keys && keys.length > 0; attempt++) {
          if (attempt > 0) await backoff(attempt, { baseMs: 25 });
          const result: {
            Responses?: Record<string, Item[]>;
            UnprocessedKeys?: Record<string, { Keys?: Item[] }>;
          } = await this.db.send(
            new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }),
          );
          for (const item of result.Responses?.[this.table] ?? [])
            found.set(String(item.couponId), toRecord(item));
          keys = result.UnprocessedKeys?.[this.table]?.Keys;
          if (attempt > 8 && keys?.length) throw new Error('BatchGetItem kept leaving keys unprocessed');
        }
      }
    } catch (error) {
      rethrowDynamoDbError(error, false);
    }
    return couponIds.flatMap((id) => found.get(id) ?? []);
  }

  async list(limit: number, cursor: string | undefined): Promise<CouponPage<CouponRecord>> {
    const page = await this.idsByCreation(limit, cursor);
    return { items: await this.getMany(page.items), cursor: page.cursor };
  }

  allIds(cursor: string | undefined): Promise<CouponPage<string>> {
    return this.idsByCreation(100, cursor);
  }

  /** Coupon ids, newest first, from the keys-only byCreation index. */
  private async idsByCreation(limit: number, cursor: string | undefined): Promise<CouponPage<string>> {
    const start = decodeCursor(cursor, ['couponId', 'kind', 'listKey']);
    try {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: COUPONS_BY_CREATION_INDEX.name,
          KeyConditionExpression: '#kind = :kind',
          ExpressionAttributeNames: { '#kind': COUPONS_BY_CREATION_INDEX.partitionKey },
          ExpressionAttributeValues: { ':kind': KIND },
          ScanIndexForward: false,
          Limit: limit,
          ExclusiveStartKey: start,
        }),
      );
      const items = (page.Items ?? []).map((item) => String(item.couponId));
      return { items, cursor: encodeCursor(page.LastEvaluatedKey) };
    } catch (error) {
      rethrowDynamoDbError(error, false);
    }
  }

  async live(): Promise<CouponRecord[]> {
    const ids: string[] = [];
    try {
      for await (const page of paginateQuery(
        { client: this.db },
        {
          TableName: this.table,
          IndexName: LIVE_COUPONS_INDEX.name,
          KeyConditionExpression: '#live = :live',
          ExpressionAttributeNames: { '#live': LIVE_COUPONS_INDEX.partitionKey },
          ExpressionAttributeValues: { ':live': LIVE },
        },
      )) {
        for (const item of page.Items ?? []) ids.push(String(item.couponId));
      }
    } catch (error) {
      rethrowDynamoDbError(error, false);
    }
    // The index is eventually consistent; the items themselves are read consistently.
    return (await this.getMany(ids)).filter((record) => !record.finished);
  }

  async bumpGeneration(couponId: string, seen: number): Promise<CouponRecord | undefined> {
    return this.update(couponId, {
      UpdateExpression: 'SET generation = generation + :one',
      ConditionExpression: 'generation = :seen',
      ExpressionAttributeValues: { ':one': 1, ':seen': seen },
    });
  }

  async setWindow(couponId: string, window: SaleWindow): Promise<CouponRecord | undefined> {
    const set: string[] = ['version = version + :one'];
    const remove: string[] = [];
    const values: Item = { ':one': 1 };
    for (const field of ['opensAt', 'closesAt'] as const) {
      if (window[field]) {
        set.push(`${field} = :${field}`);
        values[`:${field}`] = window[field];
      } else remove.push(field);
    }
    return this.update(couponId, {
      UpdateExpression: [`SET ${set.join(', ')}`, remove.length ? `REMOVE ${remove.join(', ')}` : '']
        .filter(Boolean)
        .join(' '),
      ConditionExpression: 'attribute_exists(live)',
      ExpressionAttributeValues: values,
    });
  }

  async addStock(couponId: string, add: number, requestToken: string): Promise<CouponRecord | undefined> {
    return this.update(
      couponId,
      {
        UpdateExpression:
          'SET stock = stock + :add, remaining = remaining + :add, lastTopUp = :token, version = version + :one',
        ConditionExpression:
          'attribute_exists(live) AND (attribute_not_exists(lastTopUp) OR lastTopUp <> :token)',
        ExpressionAttributeValues: { ':add': add, ':token': requestToken, ':one': 1 },
      },
      // A retry of a top-up that went through finds its own token: it is the same top-up.
      (old) => (old.lastTopUp === requestToken ? toRecord(old) : undefined),
    );
  }

  async finish(
    couponId: string,
    reason: FinishReason,
    expected: { version: number; generation: number },
  ): Promise<boolean> {
    const done = await this.update(couponId, {
      UpdateExpression: 'SET finishedAt = :now, finishReason = :reason REMOVE live',
      // The definition Redis finished is still the one of record: no window or top-up came since.
      ConditionExpression: 'attribute_exists(live) AND version = :version AND generation = :generation',
      ExpressionAttributeValues: {
        ':now': new Date().toISOString(),
        ':reason': reason,
        ':version': expected.version,
        ':generation': expected.generation,
      },
    });
    return done !== undefined;
  }

  /** A conditional update: the item after it, or `onConditionFailed(item before)` (default undefined). */
  private async update(
    couponId: string,
    input: {
      UpdateExpression: string;
      ConditionExpression: string;
      ExpressionAttributeValues?: Item;
    },
    onConditionFailed: (old: Item) => CouponRecord | undefined = () => undefined,
  ): Promise<CouponRecord | undefined> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { couponId },
          ...input,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return Attributes ? toRecord(Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return error.Item ? onConditionFailed(unmarshall(error.Item)) : undefined;
      }
      rethrowDynamoDbError(error, true);
    }
  }
}
