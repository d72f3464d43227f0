import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { COUPONS_TABLE_KEYS, ISSUED_BY_COUPON_INDEX, ISSUED_TABLE_KEYS } from '#adapters/dynamodb/schema';

export interface LocalDynamoDb {
  endpoint: string;
  stop(): Promise<void>;
}

/** An in-memory DynamoDB-compatible server (dynalite) on 127.0.0.1. */
export async function startDynalite(port = 0): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Credentials and region for a local endpoint, unless the environment has its own. */
export function localAwsEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_REGION ??= 'us-east-1';
  env.AWS_ACCESS_KEY_ID ??= 'local';
  env.AWS_SECRET_ACCESS_KEY ??= 'local';
}

export function tableDefinitions(names: {
  couponsTable: string;
  issuedTable: string;
}): CreateTableCommandInput[] {
  return [
    {
      TableName: names.couponsTable,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: COUPONS_TABLE_KEYS.partitionKey, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: COUPONS_TABLE_KEYS.partitionKey, KeyType: 'HASH' }],
    },
    {
      TableName: names.issuedTable,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: ISSUED_TABLE_KEYS.partitionKey, AttributeType: 'S' },
        { AttributeName: ISSUED_TABLE_KEYS.sortKey, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: ISSUED_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: ISSUED_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: ISSUED_BY_COUPON_INDEX.name,
          KeySchema: [
            { AttributeName: ISSUED_BY_COUPON_INDEX.partitionKey, KeyType: 'HASH' },
            { AttributeName: ISSUED_BY_COUPON_INDEX.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...ISSUED_BY_COUPON_INDEX.projected] },
        },
      ],
    },
  ];
}

/** Creates the tables where missing. */
export async function ensureTables(
  endpoint: string,
  names: { couponsTable: string; issuedTable: string },
): Promise<void> {
  const client = new DynamoDBClient({ endpoint });
  try {
    for (const definition of tableDefinitions(names)) {
      try {
        await client.send(new CreateTableCommand(definition));
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
    }
  } finally {
    client.destroy();
  }
}
