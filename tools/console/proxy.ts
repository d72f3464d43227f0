import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { ROUTES } from '#functions/routes';
import { pathPattern } from '#local/api';
import type { ConsoleInfo } from '#local/console/console';
import { sendJson, servePage } from '#local/console/static';
import type { Signer } from '../aws-signing';

/** API Gateway's own limit on a request body. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

// Routes anyone may call are forwarded as they are (with the browser's own Authorization header,
// a JWT); every other path is taken to be an admin route and signed, so that a route added to the
// API is watched without a change here.
const UNSIGNED = ROUTES.filter((route) => route.access !== 'admin').map((route) => ({
  method: route.method,
  pattern: pathPattern(route.path).pattern,
}));
const isAdmin = (method: string, path: string) =>
  !UNSIGNED.some((route) => route.method === method && route.pattern.test(path));

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_REQUEST_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export interface ConsoleProxy {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/**
 * `npm run console -- --api <ApiUrl>`: the console's page for a deployed stack. Serves the page
 * and forwards the API's paths to `api`, signing admin calls, so that the browser never holds AWS
 * credentials. It answers only its own page's requests (same origin, its own host name): a site
 * open in another tab cannot use it to act with those credentials.
 */
export async function startConsoleProxy(options: {
  api: string;
  signer?: Signer;
  port?: number;
  host?: string;
  timeoutMs?: number;
}): Promise<ConsoleProxy> {
  const api = new URL(options.api);
  const prefix = api.pathname.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  const pool = new Pool(api.origin, { connections: 16, keepAliveTimeout: 30_000 });
  const info: ConsoleInfo = { target: `${api.origin}${prefix}`, answerCounts: false };
  let origin = '';
  /** The host names the page may be opened at; any other is refused (DNS rebinding). */
  const hosts = new Set<string>();

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const host = req.headers.host ?? '';
      const sameOrigin = req.headers.origin === undefined || req.headers.origin === `http://${host}`;
      if (!hosts.has(host) || !sameOrigin) {
        sendJson(res, 403, { error: 'FORBIDDEN', message: `Open the console at ${origin}/.` });
        return;
      }
      if (url.pathname === '/console/info') return sendJson(res, 200, info);
      if (await servePage(req, res, url.pathname)) return;
      const method = req.method ?? 'GET';
      const body = await readBody(req);
      if (body === undefined) {
        sendJson(res, 413, {
          error: 'PAYLOAD_TOO_LARGE',
          message: 'The request body must be at most 10 MB.',
        });
        return;
      }
      const path = `${prefix}${url.pathname}${url.search}`;
      let headers: Record<string, string> = {};
      if (req.headers['content-type']) headers['content-type'] = req.headers['content-type'];
      if (req.headers.authorization) headers.authorization = req.headers.authorization;
      const text = body.length > 0 ? body.toString('utf8') : undefined;
      if (options.signer && isAdmin(method, url.pathname)) {
        delete headers.authorization;
        headers = {
          ...headers,
          ...(await options.signer({ method, url: new URL(path, api.origin), headers, body: text })),
        };
      }
      const answer = await pool.request({
        method: method as 'GET',
        path,
        headers,
        body: text,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const payload = Buffer.from(await answer.body.arrayBuffer());
      const contentType = answer.headers['content-type'];
      const retryAfter = answer.headers['retry-after'];
      res.writeHead(answer.statusCode, {
        'cache-control': 'no-store',
        ...(contentType ? { 'content-type': String(contentType) } : {}),
        ...(retryAfter ? { 'retry-after': String(retryAfter) } : {}),
      });
      res.end(payload);
    } catch (error) {
      if (!res.headersSent)
        sendJson(res, 502, {
          error: 'BAD_GATEWAY',
          message: `The API did not answer: ${(error as Error).message}`,
        });
      else res.destroy();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  origin = `http://${host}:${port}`;
  for (const name of [host, '127.0.0.1', 'localhost']) hosts.add(`${name}:${port}`);
  return {
    server,
    url: origin,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await pool.close();
    },
  };
}
