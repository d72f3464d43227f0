import { timingSafeEqual } from 'node:crypto';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { ParseError } from '@aws-lambda-powertools/parser';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import { DomainError } from '#domain/errors';
import { ERROR_STATUS } from './answers';
import { ORIGIN_VERIFY_HEADER } from './edge';
import { logger, metrics, metricsEnabled } from './powertools';
import { traceInvocations } from './tracing';

export type HttpResponse = APIGatewayProxyStructuredResultV2;
/** What API Gateway calls: the parser narrows the event inside, not for the caller. */
export type ApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResponse>;

/** Larger bodies are refused before parsing: no valid request comes near this. */
export const MAX_BODY_BYTES = 16 * 1024;

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

/** An error a client caused, with the status and code to answer it with. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Renders schema issues as one sentence: `stock: must be a whole number; name: ...`. */
function describeIssues(issues: readonly { message: string; path?: readonly unknown[] }[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => {
      const path = (issue.path ?? [])
        .map((part) => (typeof part === 'object' && part !== null && 'key' in part ? part.key : part))
        .filter((part) => part !== 'body' && part !== 'pathParameters')
        .join('.');
      return path ? `${path}: ${issue.message}` : `body ${issue.message}`;
    })
    .join('; ');
}

/** The one place where errors become HTTP responses. Unknown errors are logged, never shown. */
export function toHttpResponse(error: unknown): HttpResponse {
  if (error instanceof HttpError) {
    return json(error.statusCode, { error: error.code, message: error.message });
  }
  if (error instanceof ParseError) {
    const issues = Array.isArray(error.cause) ? error.cause : [];
    return json(400, { error: 'INVALID_REQUEST', message: `Invalid request: ${describeIssues(issues)}.` });
  }
  if (error instanceof DomainError) {
    const statusCode = ERROR_STATUS[error.code];
    if (statusCode === 503) logger.warn('Dependency unavailable', { error: error.cause ?? error });
    return json(
      statusCode,
      { error: error.code, message: error.message },
      statusCode === 503 ? { 'retry-after': '1' } : {},
    );
  }
  logger.error('Unhandled error', error as Error);
  return json(500, {
    error: 'INTERNAL_ERROR',
    message: 'Something went wrong on our side and nothing was changed. Retry later.',
  });
}

const errorResponses = (): MiddlewareObj<unknown, HttpResponse> => ({
  onError: (request) => {
    request.response = toHttpResponse(request.error);
  },
});

/** Counts every response by class (Http2xx, Http4xx, Http5xx: METRIC.http5xx), after errors became responses. */
const countResponses = (): MiddlewareObj<unknown, HttpResponse> => {
  const count = (request: { response: HttpResponse | null }) => {
    const status = request.response?.statusCode ?? 500;
    metrics.addMetric(`Http${Math.floor(status / 100)}xx`, MetricUnit.Count, 1);
  };
  return { after: count, onError: count };
};

/** Refuses oversized bodies and decodes base64 ones, before any parsing. */
const bodyLimit = (maxBytes: number): MiddlewareObj<APIGatewayProxyEventV2, HttpResponse> => ({
  before: (request) => {
    const { body, isBase64Encoded } = request.event;
    if (body === undefined) return;
    const bytes = isBase64Encoded ? Math.floor((body.length * 3) / 4) : Buffer.byteLength(body);
    if (bytes > maxBytes) {
      throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `The request body must be at most ${maxBytes} bytes.`);
    }
    if (isBase64Encoded) {
      request.event.body = Buffer.from(body, 'base64').toString('utf8');
      request.event.isBase64Encoded = false;
    }
  },
});

/**
 * Refuses, before any work, a request that did not come through CloudFront: it lacks the secret
 * header. ORIGIN_VERIFY_SECRET is set by the stack on the routes CloudFront fronts; unset, no check
 * (an empty list: middy takes a list of middlewares, and refuses an empty one).
 */
const throughEdgeOnly = (
  secret: string | undefined,
): MiddlewareObj<APIGatewayProxyEventV2, HttpResponse>[] => {
  if (!secret) return [];
  const expected = Buffer.from(secret);
  return [
    {
      before: (request) => {
        const given = Buffer.from(request.event.headers?.[ORIGIN_VERIFY_HEADER] ?? '');
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          throw new HttpError(403, 'FORBIDDEN', 'Call this API through its CloudFront address.');
        }
      },
    },
  ];
};

/**
 * An HTTP API (payload v2) handler: Powertools logger, metrics and tracer, a count of responses, the body limit, the
 * parser with `schema` (only the parts of the event it names are checked and passed on), and
 * one error-to-HTTP mapping. `handle` receives the parsed event.
 */
export function httpHandler<S extends z.ZodMiniType>(
  schema: S,
  handle: (event: z.output<S>) => Promise<HttpResponse>,
): ApiHandler {
  const chain = middy<APIGatewayProxyEventV2, HttpResponse>().use(
    injectLambdaContext(logger, { resetKeys: true }),
  );
  // Powertools flushes metrics per invocation, which assumes one request at a time per process.
  // The local runtime serves many at once, with metrics disabled: there, skip them altogether.
  if (metricsEnabled) chain.use(logMetrics(metrics)).use(countResponses());
  return chain
    .use(traceInvocations())
    .use(errorResponses())
    .use(throughEdgeOnly(process.env.ORIGIN_VERIFY_SECRET))
    .use(bodyLimit(MAX_BODY_BYTES))
    .use(parser({ schema }))
    .handler(async (event) => handle(event as unknown as z.output<S>)) as unknown as ApiHandler;
}
