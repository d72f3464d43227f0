import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { ApiHandler } from '#commons/http';
import type { Route } from '#functions/routes';

export interface LocalRoute extends Route {
  load: () => Promise<{ handler: ApiHandler }>;
}

/** API Gateway's own limit on a request body. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

interface Matcher {
  route: LocalRoute;
  pattern: RegExp;
  params: string[];
}

function compile(route: LocalRoute): Matcher {
  const params: string[] = [];
  const source = route.path.replace(/\{([A-Za-z]+)\}/g, (_, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}$`), params };
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

function readBody(req: IncomingMessage): Promise<Buffer | 'too large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        resolve('too large');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, statusCode: number, body: unknown, headers: Record<string, string> = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(statusCode, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

/** Builds the HTTP API (payload format 2.0) event API Gateway would send for this request. */
export function toEvent(
  req: IncomingMessage,
  url: URL,
  route: Route,
  pathParameters: Record<string, string>,
  body: Buffer,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = query[name] ? `${query[name]},${value}` : value;
  const now = new Date();
  const routeKey = `${route.method} ${route.path}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
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
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    body: body.length > 0 ? body.toString('utf8') : undefined,
    isBase64Encoded: false,
  };
}

/** One answer a route gave, for whoever watches the runtime (the console's counts, the request log). */
export interface RouteAnswer {
  route: Route;
  pathParameters: Record<string, string>;
  statusCode: number;
  body: string;
  /** Time spent in the handler. */
  ms: number;
}

/** Optional extras around the routes: the console's page and its answer counts. */
export interface LocalApiHooks {
  /** Consulted before route matching; resolves true when it has answered the request itself. */
  handle?: (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;
  /** Told of every answer a route gave, once it was sent. */
  answered?: (answer: RouteAnswer) => void;
}

export interface LocalApi {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the routes the way API Gateway's HTTP API would: each request becomes a payload 2.0
 * event for the route's handler module, and the handler's result becomes the response.
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

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (hooks.handle && (await hooks.handle(req, res, url))) return;
      let found: { matcher: Matcher; values: string[] } | undefined;
      for (const matcher of matchers) {
        const match = matcher.route.method === req.method ? matcher.pattern.exec(url.pathname) : null;
        if (match) {
          found = { matcher, values: match.slice(1) };
          break;
        }
      }
      if (!found) {
        send(res, 404, { error: 'NOT_FOUND', message: `No route for ${req.method} ${url.pathname}.` });
        return;
      }
      const body = await readBody(req);
      if (body === 'too large') {
        send(res, 413, { error: 'PAYLOAD_TOO_LARGE', message: 'The request body must be at most 10 MB.' });
        return;
      }
      const pathParameters: Record<string, string> = {};
      try {
        found.matcher.params.forEach((name, i) => {
          pathParameters[name] = decodeURIComponent(found.values[i] ?? '');
        });
      } catch {
        send(res, 400, { error: 'INVALID_REQUEST', message: 'The path is not validly percent-encoded.' });
        return;
      }
      const { route } = found.matcher;
      const handler = handlers.get(route.name) as ApiHandler;
      const started = performance.now();
      const result = await handler(toEvent(req, url, route, pathParameters, body), lambdaContext(route.name));
      send(
        res,
        result.statusCode ?? 200,
        result.body ?? '',
        (result.headers ?? {}) as Record<string, string>,
      );
      const ms = performance.now() - started;
      hooks.answered?.({
        route,
        pathParameters,
        statusCode: result.statusCode ?? 200,
        body: result.body ?? '',
        ms,
      });
    } catch (error) {
      console.error('local api: unhandled error', error);
      if (!res.headersSent) send(res, 500, { error: 'INTERNAL_ERROR', message: 'The local runtime failed.' });
    }
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
