import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TablesConfig } from '../config';
import { traceClient } from '../tracing';

/** A document client with bounded connect and request times, so that an outage fails fast. */
export function createDynamoDbClient(config: TablesConfig): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    endpoint: config.endpoint,
    maxAttempts: 3,
    requestHandler: {
      connectionTimeout: Math.min(config.timeoutMs, 1000),
      requestTimeout: config.timeoutMs,
    },
  });
  return DynamoDBDocumentClient.from(traceClient(client), {
    marshallOptions: { removeUndefinedValues: true },
  });
}
