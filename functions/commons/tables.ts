import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoCouponCatalog } from '#adapters/dynamodb/coupon-catalog';
import { DynamoIssuedCouponStore } from '#adapters/dynamodb/issued-coupon-store';
import { createDynamoDbClient } from './clients/dynamodb';
import { drainConfig, tablesConfig } from './config';

// The DynamoDB side of the wiring: made once per container from the environment, on first use.

let dynamodb: DynamoDBDocumentClient | undefined;
let store: DynamoIssuedCouponStore | undefined;
let catalog: DynamoCouponCatalog | undefined;

function dynamoDb(): DynamoDBDocumentClient {
  dynamodb ??= createDynamoDbClient(tablesConfig());
  return dynamodb;
}

export function issuedCouponStore(): DynamoIssuedCouponStore {
  store ??= new DynamoIssuedCouponStore(dynamoDb(), tablesConfig(), {
    rowsPerTransaction: drainConfig().transactionRows,
  });
  return store;
}

export function couponCatalog(): DynamoCouponCatalog {
  catalog ??= new DynamoCouponCatalog(dynamoDb(), tablesConfig().couponsTable);
  return catalog;
}

/** Closes the DynamoDB client made so far (local runtime shutdown, tests). */
export function closeTables(): void {
  dynamodb?.destroy();
  dynamodb = store = catalog = undefined;
}
