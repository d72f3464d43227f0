import { setTimeout as sleep } from 'node:timers/promises';
import { isServerError, isThrottlingError, isTransientError } from '@smithy/service-error-classification';
import { DependencyUnavailable } from '#domain/errors';

type SdkError = Parameters<typeof isThrottlingError>[0];

/** DynamoDB refused the request (throttled): it was not applied. */
export function isThrottled(error: unknown): boolean {
  return isThrottlingError(error as SdkError);
}

/** An outage, throttling or timeout: worth another try later (the SDK's own classification). */
export function isUnavailable(error: unknown): boolean {
  const e = error as SdkError & { $metadata?: { httpStatusCode?: number } };
  const noResponse = e?.$metadata?.httpStatusCode === undefined;
  return (
    isThrottlingError(e) || isTransientError(e) || isServerError(e) || noResponse || e?.name === 'AbortError'
  );
}

/**
 * Throws DependencyUnavailable for outages, throttling and timeouts (anything the SDK's own
 * classification calls throttling, transient or a server fault, or an error with no response);
 * anything else as it is. A write may have been applied unless DynamoDB throttled it.
 */
export function rethrowDynamoDbError(error: unknown, writes: boolean): never {
  if (isUnavailable(error)) {
    throw new DependencyUnavailable('DynamoDB', writes && !isThrottled(error), error);
  }
  throw error;
}

/**
 * Waits before retry `attempt` (1, 2, ...): full jitter, a random time below `baseMs` x 2^attempt
 * (and below `maxMs`), never past `deadline` (epoch ms).
 */
export function backoff(
  attempt: number,
  {
    baseMs,
    maxMs = Number.POSITIVE_INFINITY,
    deadline = Number.POSITIVE_INFINITY,
  }: {
    baseMs: number;
    maxMs?: number;
    deadline?: number;
  },
): Promise<void> {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return sleep(Math.min(Math.random() * ceiling, Math.max(deadline - Date.now(), 0)));
}
