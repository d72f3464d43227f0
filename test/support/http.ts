import { afterAll, beforeAll } from 'vitest';
import { closeClients } from '#commons/dependencies';
import { type LocalApi, startLocalApi } from '#local/api';
import { LOCAL_ROUTES } from '#local/routes';

export interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
  body: any;
  headers: Headers;
}

export type Call = (method: string, path: string, body?: unknown, raw?: string) => Promise<Reply>;

/** The local runtime's HTTP API in this process, over the test's Redis and DynamoDB Local. */
export async function startApi(): Promise<LocalApi & { call: Call }> {
  const api = await startLocalApi(LOCAL_ROUTES);
  const call: Call = async (method, path, body, raw) => {
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  };
  return { ...api, call };
}

/**
 * The API for a whole test file: started before its tests, closed with the handlers' clients
 * after them. Call it at the top level of the file.
 */
export function useApi(): { call: Call } {
  let api: Awaited<ReturnType<typeof startApi>> | undefined;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => {
    await api?.close();
    await closeClients();
  });
  return {
    call: (...args) => {
      if (!api) throw new Error('useApi(): the API starts in beforeAll');
      return api.call(...args);
    },
  };
}
