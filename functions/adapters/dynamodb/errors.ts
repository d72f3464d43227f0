import { DependencyUnavailable } from '#domain/errors';

const UNAVAILABLE = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
]);

/** Throws DependencyUnavailable for outages, throttling and timeouts; anything else as it is. */
export function rethrowDynamoDbError(error: unknown): never {
  const e = error as { name?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
  const noResponse = e?.$metadata?.httpStatusCode === undefined;
  if (UNAVAILABLE.has(e?.name ?? '') || e?.$fault === 'server' || noResponse) {
    throw new DependencyUnavailable('DynamoDB', error);
  }
  throw error;
}
