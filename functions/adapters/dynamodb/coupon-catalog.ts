import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Coupon } from '#domain/model';
import type { CouponCatalog } from '#domain/ports';
import { rethrowDynamoDbError } from './errors';

/** Coupon definitions in DynamoDB, created once (a conditional put) and read consistently. */
export class DynamoCouponCatalog implements CouponCatalog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(coupon: Coupon): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...coupon },
          ConditionExpression: 'attribute_not_exists(couponId)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      rethrowDynamoDbError(error);
    }
  }

  async get(couponId: string): Promise<Coupon | undefined> {
    try {
      const { Item } = await this.db.send(
        new GetCommand({ TableName: this.table, Key: { couponId }, ConsistentRead: true }),
      );
      if (!Item) return undefined;
      return {
        couponId: String(Item.couponId),
        name: String(Item.name),
        stock: Number(Item.stock),
        createdAt: String(Item.createdAt),
      };
    } catch (error) {
      rethrowDynamoDbError(error);
    }
  }
}
