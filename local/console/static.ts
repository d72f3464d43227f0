import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The console's page: three static files, served by the local runtime and by `npm run console`.

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
};

/** Everything from this origin, nothing from elsewhere: the page works offline and loads no third party. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * The folder of the page's files, found by walking up from this module to the project, so that it
 * is the same whether this runs from source (local/console/) or from a bundle in .local/.
 */
function findPageDirectory(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'local', 'console', 'page');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('The console page (local/console/page/index.html) was not found.');
    dir = parent;
  }
}

let pageDirectory: string | undefined;

export function sendJson(res: ServerResponse, statusCode: number, body: unknown, headers = {}): void {
  res.writeHead(statusCode, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * Answers a request for one of the page's files; false when the path is not one of them. Read at
 * each request (they are small), so an edited page shows at the next reload.
 */
export function servePage(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): boolean | Promise<boolean> {
  const entry = FILES[path];
  if (!entry) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendJson(
      res,
      405,
      { error: 'METHOD_NOT_ALLOWED', message: `${path} answers GET and HEAD only.` },
      { allow: 'GET, HEAD' },
    );
    return true;
  }
  pageDirectory ??= findPageDirectory();
  return readFile(join(pageDirectory, entry.file)).then((body) => {
    res.writeHead(200, {
      'content-type': entry.type,
      'content-length': body.length,
      'cache-control': 'no-cache',
      ...SECURITY_HEADERS,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  });
}
