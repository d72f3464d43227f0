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
import { MAX_BODY_BYTES } from './schemas';
import { traceInvocations } from './tracing';

export type HttpResponse = APIGatewayProxyStructuredResultV2;
/** What API Gateway calls: the parser narrows the event inside, not for the caller. */
export type ApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResponse>;

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

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `application/json`, with no charset or UTF-8 (JSON's only encoding on the wire, RFC 8259). */
function isJson(contentType: string | undefined): boolean {
  const [type, ...parameters] = (contentType ?? '').split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json') return false;
  return parameters.every((p) => !p.startsWith('charset=') || p.replace(/"/g, '') === 'charset=utf-8');
}

/**
 * For routes that take a body, before any parsing: at most `maxBytes` (413), JSON by its
 * content-type (415), valid UTF-8 (400); a base64 body (API Gateway sends bytes that way) is
 * decoded here. Routes without a body ignore any body sent.
 */
const requestBody = (maxBytes: number): MiddlewareObj<APIGatewayProxyEventV2, HttpResponse> => ({
  before: (request) => {
    const { body, isBase64Encoded, headers } = request.event;
    if (body === undefined || body === '') return;
    const bytes = isBase64Encoded ? Buffer.from(body, 'base64') : undefined;
    if ((bytes?.length ?? Buffer.byteLength(body)) > maxBytes) {
      throw new HttpError(
        413,
        'PAYLOAD_TOO_LARGE',
        `The request body must be at most ${maxBytes / 1024} KiB (${maxBytes} bytes).`,
      );
    }
    if (!isJson(headers?.['content-type'])) {
      throw new HttpError(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'The request body must be JSON, sent with content-type: application/json.',
      );
    }
    let text = body;
    if (bytes) {
      try {
        text = utf8.decode(bytes);
      } catch {
        text = '\ufffd';
      }
    }
    // U+FFFD is what a decoder puts for bytes that are not UTF-8; no valid request needs it.
    if (text.includes('\ufffd')) {
      throw new HttpError(400, 'INVALID_REQUEST', 'The request body is not valid UTF-8.');
    }
    request.event.body = text;
    request.event.isBase64Encoded = false;
  },
});

/** HEAD answers as GET would, without the body (API Gateway routes HEAD to the GET handler). */
const headResponses = (): MiddlewareObj<APIGatewayProxyEventV2, HttpResponse> => {
  // Noted before the parser, which replaces the event with the parts its schema names.
  const heads = new WeakSet<object>();
  const strip = (request: { response: HttpResponse | null }) => {
    if (heads.has(request) && request.response) request.response = { ...request.response, body: '' };
  };
  return {
    before: (request) => {
      if (request.event.requestContext?.http?.method === 'HEAD') heads.add(request);
    },
    after: strip,
    onError: strip,
  };
};

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
 * An HTTP API (payload v2) handler: Powertools logger, metrics and tracer, a count of responses,
 * the body checks where `schema` takes a body, the parser with `schema` (only the parts of the
 * event it names are checked and passed on), one error-to-HTTP mapping, and HEAD as GET without
 * the body. `handle` receives the parsed event.
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
  chain
    .use(traceInvocations())
    .use(headResponses())
    .use(errorResponses())
    .use(throughEdgeOnly(process.env.ORIGIN_VERIFY_SECRET));
  // The body checks run for routes whose schema reads a body (an object schema with `body`).
  const shape = (schema as { _zod?: { def?: { shape?: Record<string, unknown> } } })._zod?.def?.shape;
  if (shape && 'body' in shape) chain.use(requestBody(MAX_BODY_BYTES));
  return chain
    .use(parser({ schema }))
    .handler(async (event) => handle(event as unknown as z.output<S>)) as unknown as ApiHandler;
}
