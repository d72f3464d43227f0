import { afterAll, beforeAll } from 'vitest';
import { closeClients } from '#commons/dependencies';
import { type LocalApi, type LocalApiHooks, startLocalApi } from '#local/api';
import { LOCAL_ROUTES } from '#local/routes';

export interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
  body: any;
  /** The body as sent. */
  text: string;
  headers: Headers;
}

/** A call with a JSON body (`body`), or a raw one (`raw`), sent as application/json unless `headers` say otherwise. */
export type Call = (
  method: string,
  path: string,
  body?: unknown,
  raw?: string | Uint8Array,
  headers?: Record<string, string>,
) => Promise<Reply>;

/** The local runtime's HTTP API in this process, over the test's Redis and DynamoDB Local. */
export async function startApi(options: LocalApiHooks = {}): Promise<LocalApi & { call: Call }> {
  const api = await startLocalApi(LOCAL_ROUTES, 0, '127.0.0.1', options);
  const call: Call = async (method, path, body, raw, headers = {}) => {
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed, text, headers: response.headers };
  };
  return { ...api, call };
}

/**
 * The API for a whole test file: started before its tests, closed with the handlers' clients
 * after them. Call it at the top level of the file.
 */
export function useApi(options: LocalApiHooks = {}): { call: Call; url: () => string } {
  let api: Awaited<ReturnType<typeof startApi>> | undefined;
  beforeAll(async () => {
    api = await startApi(options);
  });
  afterAll(async () => {
    await api?.close();
    await closeClients();
  });
  const started = () => {
    if (!api) throw new Error('useApi(): the API starts in beforeAll');
    return api;
  };
  return { call: (...args) => started().call(...args), url: () => started().url };
}
