import { Pool } from 'undici';
import type { Signer } from './aws-signing';

/** What the API answered; `status` 0 and `error` (a code such as ECONNRESET) when nothing came back. */
export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
  error?: string;
}

export interface ApiClientOptions {
  /** Keep-alive connections to the API, at most. */
  connections: number;
  /** Signs admin calls (SigV4 for an API on AWS). */
  signer?: Signer;
  /** Bound on waiting for an answer. @default 10000 */
  timeoutMs?: number;
}

export interface CallOptions {
  body?: unknown;
  /** An admin route: signed when the client has a signer. */
  admin?: boolean;
  /** A JWT, sent as `authorization: Bearer ...`. */
  token?: string;
}

/**
 * A client of one deployment of the API (`npm start`'s URL, or a stack's ApiUrl with its stage
 * path): a pool of keep-alive connections (undici), so that thousands of calls a second cost a
 * few sockets and little CPU. Never throws for a failed call: the answer says what happened.
 */
export class ApiClient {
  readonly base: URL;
  private readonly prefix: string;
  private readonly pool: Pool;
  private readonly timeoutMs: number;

  constructor(
    url: string,
    private readonly options: ApiClientOptions,
  ) {
    this.base = new URL(url);
    this.prefix = this.base.pathname.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.pool = new Pool(this.base.origin, {
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connectTimeout: this.timeoutMs,
    });
  }

  async call(method: string, path: string, options: CallOptions = {}): Promise<ApiAnswer> {
    const fullPath = `${this.prefix}${path}`;
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    let headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    try {
      if (options.admin && this.options.signer) {
        const url = new URL(fullPath, this.base.origin);
        headers = { ...headers, ...(await this.options.signer({ method, url, headers, body })) };
      }
      const response = await this.pool.request({
        method: method as 'GET',
        path: fullPath,
        headers,
        body,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      const text = await response.body.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : {};
      } catch {
        parsed = { message: text.slice(0, 200) };
      }
      return {
        status: response.statusCode,
        body: parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {},
      };
    } catch (error) {
      const { code, name, message } = error as { code?: string; name?: string; message?: string };
      return { status: 0, body: { message }, error: code ?? name ?? 'ERROR' };
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** One line about an answer that was not the expected one, for error messages. */
export function describeAnswer(answer: ApiAnswer): string {
  if (answer.status === 0) return `no answer (${answer.error}: ${answer.body.message})`;
  const { error, message } = answer.body;
  return `HTTP ${answer.status}${error ? ` ${error}` : ''}${message ? `: ${message}` : ''}`;
}
