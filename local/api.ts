import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, isIPv6, type Socket } from 'node:net';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import {
  CORS_ALLOW_HEADERS,
  CORS_ALLOW_METHODS,
  CORS_EXPOSE_HEADERS,
  CORS_MAX_AGE_SECONDS,
} from '#commons/cors';
import type { ApiHandler } from '#commons/http';
import { MAX_BODY_BYTES } from '#commons/schemas';
import type { Route } from '#functions/routes';
import { PortUnavailable } from './ports';

export interface LocalRoute extends Route {
  load: () => Promise<{ handler: ApiHandler }>;
}

/** What the local server answers where API Gateway itself would, in API Gateway's words. */
const GATEWAY = {
  notFound: { statusCode: 404, body: { message: 'Not Found' } },
  unauthorized: { statusCode: 401, body: { message: 'Unauthorized' } },
} as const;

interface Matcher {
  route: LocalRoute;
  pattern: RegExp;
  params: string[];
}

/** A route's path ("/coupons/{couponId}") as a pattern, with its parameters' names in order. */
export function pathPattern(path: string): { pattern: RegExp; params: string[] } {
  const params: string[] = [];
  const source = path.replace(/\{([A-Za-z]+)\}/g, (_, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  return { pattern: new RegExp(`^${source}$`), params };
}

function compile(route: LocalRoute): Matcher {
  return { route, ...pathPattern(route.path) };
}

/** A Lambda context as the runtime would pass it; the time limit is API Gateway's 30 s. */
export function lambdaContext(functionName: string, timeoutMs = 30_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/**
 * The body, cut after one byte more than any handler takes: the handler refuses it by its size
 * with the one message (413) while the rest is read and dropped, so no upload fills the memory.
 */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    req.on('data', (chunk: Buffer) => {
      if (kept > MAX_BODY_BYTES) return;
      const part = chunk.subarray(0, MAX_BODY_BYTES + 1 - kept);
      chunks.push(part);
      kept += part.length;
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** API Gateway passes a body as text; bytes that are not UTF-8 go base64, for the handler to judge. */
function eventBody(body: Buffer): { body?: string; isBase64Encoded: boolean } {
  if (body.length === 0) return { isBase64Encoded: false };
  try {
    return { body: utf8.decode(body), isBase64Encoded: false };
  } catch {
    return { body: body.toString('base64'), isBase64Encoded: true };
  }
}

function send(res: ServerResponse, statusCode: number, body: unknown, headers: Record<string, string> = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const length = Buffer.byteLength(text);
  res.writeHead(statusCode, {
    ...(text ? { 'content-type': 'application/json' } : {}),
    // A HEAD answer has no body, but not a length of 0; a 204 has neither.
    ...(res.req.method === 'HEAD' || statusCode === 204 ? {} : { 'content-length': String(length) }),
    ...headers,
  });
  res.end(text);
}

/** The claims of a bearer token, read without verifying it (USER_AUTH=jwt on the local runtime only). */
export function unverifiedClaims(authorization: string | undefined): Record<string, unknown> | undefined {
  const payload = /^Bearer\s+[\w-]+\.([\w-]+)\.[\w-]*$/i.exec(authorization ?? '')?.[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? claims : undefined;
  } catch {
    return undefined;
  }
}

/** Builds the HTTP API (payload format 2.0) event API Gateway would send for this request. */
export function toEvent(
  req: IncomingMessage,
  target: { path: string; query: string },
  routeKey: string,
  pathParameters: Record<string, string>,
  body: Buffer,
  claims?: Record<string, unknown>,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(target.query)) {
    query[name] = query[name] ? `${query[name]},${value}` : value;
  }
  const now = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath: target.path,
    rawQueryString: target.query,
    headers,
    queryStringParameters: Object.keys(query).length > 0 ? query : undefined,
    pathParameters: Object.keys(pathParameters).length > 0 ? pathParameters : undefined,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: req.method ?? 'GET',
        path: target.path,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
      ...(claims ? { authorizer: { jwt: { claims, scopes: [] } } } : {}),
    } as APIGatewayProxyEventV2['requestContext'],
    ...eventBody(body),
  };
}

/** The URL a browser or curl can use for a listening address. */
export function baseUrl(host: string, port: number): string {
  if (host === '0.0.0.0') return `http://127.0.0.1:${port}`;
  if (host === '::') return `http://[::1]:${port}`;
  return `http://${isIPv6(host) ? `[${host}]` : host}:${port}`;
}

/** A request the HTTP parser could not read still gets a JSON answer, then the connection closes. */
function answerUnreadable(error: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const [status, reason, message] =
    error.code === 'HPE_INVALID_METHOD'
      ? [501, 'Not Implemented', `Unknown HTTP method: this API serves ${CORS_ALLOW_METHODS.join(', ')}.`]
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'The request headers are too large.']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'Request Timeout', 'The request was not received in time.']
          : [400, 'Bad Request', 'The request is not valid HTTP/1.1.'];
  const code =
    { 501: 'NOT_IMPLEMENTED', 431: 'HEADERS_TOO_LARGE', 408: 'REQUEST_TIMEOUT' }[status] ?? 'BAD_REQUEST';
  const body = JSON.stringify({ error: code, message });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** One answer a route gave, for whoever watches the runtime. */
export interface RouteAnswer {
  route: Route;
  pathParameters: Record<string, string>;
  statusCode: number;
  body: string;
  /** Time spent in the handler. */
  ms: number;
}

/** Optional extras around the routes. */
export interface LocalApiHooks {
  /**
   * Consulted before route matching, with the request target's path and query as sent (neither
   * decoded nor normalized, as routing sees them); resolves true when it has answered itself.
   */
  handle?: (
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: string,
  ) => boolean | Promise<boolean>;
  /** Told of every answer a route gave, once it was sent. */
  answered?: (answer: RouteAnswer) => void;
  /** Origins allowed by CORS (CORS_ALLOWED_ORIGINS): preflights and headers as API Gateway's CORS. */
  corsOrigins?: readonly string[];
  /** USER_AUTH=jwt: user routes take a bearer token's claims, unverified, as API Gateway's JWT authorizer would pass them. */
  unverifiedJwt?: boolean;
  /** Served at /openapi.json (the local runtime only). */
  document?: () => unknown;
}

export interface LocalApi {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the routes the way API Gateway's HTTP API would: each request becomes a payload 2.0
 * event for the route's handler module (HEAD goes to the GET route, another method on a known
 * path to functions/handlers/other-methods.ts, as the stack's `ANY` routes do), and the
 * handler's result becomes the response. Where API Gateway answers by itself (an unknown path,
 * a CORS preflight, a missing token), this server answers as it does.
 */
export async function startLocalApi(
  routes: readonly LocalRoute[],
  port = 0,
  host = '127.0.0.1',
  hooks: LocalApiHooks = {},
): Promise<LocalApi> {
  const matchers = routes.map(compile);
  const handlers = new Map<string, ApiHandler>();
  for (const route of routes) handlers.set(route.name, (await route.load()).handler);
  const otherMethods = (await import('#functions/handlers/other-methods')).handler;
  const corsOrigins = new Set(hooks.corsOrigins ?? []);

  const corsHeaders = (req: IncomingMessage): Record<string, string> => {
    const origin = req.headers.origin;
    if (!origin || !corsOrigins.has(origin)) return {};
    return {
      'access-control-allow-origin': origin,
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': CORS_EXPOSE_HEADERS.join(','),
      vary: 'origin',
    };
  };

  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    // The request target as sent: `new URL(target, base)` would read `//coupons/x` as a host.
    const [path = '/', query = ''] = (req.url ?? '/').split(/\?(.*)/s);
    if (hooks.handle && (await hooks.handle(req, res, path, query))) return;
    if (
      method === 'OPTIONS' &&
      corsOrigins.size > 0 &&
      req.headers.origin &&
      req.headers['access-control-request-method']
    ) {
      req.resume();
      const allowed = corsOrigins.has(req.headers.origin);
      send(
        res,
        204,
        '',
        allowed
          ? {
              ...corsHeaders(req),
              'access-control-allow-methods': CORS_ALLOW_METHODS.join(','),
              'access-control-allow-headers': CORS_ALLOW_HEADERS.join(','),
              'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
            }
          : {},
      );
      return;
    }

    let found: { matcher: Matcher; values: string[] } | undefined;
    let pathKnown: Matcher | undefined;
    for (const matcher of matchers) {
      const match = matcher.pattern.exec(path);
      if (!match) continue;
      pathKnown ??= matcher;
      const { method: routeMethod } = matcher.route;
      if (routeMethod === method || (method === 'HEAD' && routeMethod === 'GET')) {
        found = { matcher, values: match.slice(1) };
        break;
      }
    }
    if (!found && path === '/openapi.json' && hooks.document && (method === 'GET' || method === 'HEAD')) {
      req.resume();
      send(res, 200, hooks.document(), corsHeaders(req));
      return;
    }
    if (!found && !pathKnown) {
      req.resume();
      send(res, GATEWAY.notFound.statusCode, GATEWAY.notFound.body, corsHeaders(req));
      return;
    }

    const route = found?.matcher.route;
    let claims: Record<string, unknown> | undefined;
    if (route?.access === 'user' && hooks.unverifiedJwt) {
      claims = unverifiedClaims(req.headers.authorization);
      if (!claims) {
        req.resume();
        send(res, GATEWAY.unauthorized.statusCode, GATEWAY.unauthorized.body, corsHeaders(req));
        return;
      }
    }
    const pathParameters: Record<string, string> = {};
    found?.matcher.params.forEach((name, i) => {
      const raw = found.values[i] ?? '';
      // API Gateway decodes path parameters; one that does not decode goes as sent, for the handler to refuse.
      try {
        pathParameters[name] = decodeURIComponent(raw);
      } catch {
        pathParameters[name] = raw;
      }
    });
    const body = await readBody(req);
    const routeKey = route ? `${route.method} ${route.path}` : `ANY ${(pathKnown as Matcher).route.path}`;
    const handler = route ? (handlers.get(route.name) as ApiHandler) : otherMethods;
    const event = toEvent(req, { path, query }, routeKey, pathParameters, body, claims);
    const started = performance.now();
    const result = await handler(event, lambdaContext(route?.name ?? 'OtherMethods'));
    const statusCode = result.statusCode ?? 200;
    send(res, statusCode, result.body ?? '', {
      ...((result.headers ?? {}) as Record<string, string>),
      ...corsHeaders(req),
    });
    if (route) {
      const ms = performance.now() - started;
      hooks.answered?.({ route, pathParameters, statusCode, body: result.body ?? '', ms });
    }
  };

  const server = createServer((req, res) => {
    serve(req, res).catch((error) => {
      console.error('local api: unhandled error', error);
      if (!res.headersSent) send(res, 500, { error: 'INTERNAL_ERROR', message: 'The local runtime failed.' });
      else res.destroy();
    });
  });
  server.on('clientError', answerUnreadable);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortUnavailable(port, 'in use') : error),
    );
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    server,
    url: baseUrl(host, bound),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
