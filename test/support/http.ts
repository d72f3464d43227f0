import { type LocalApi, startLocalApi } from '#local/api';
import { LOCAL_ROUTES } from '#local/routes';

export interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
  body: any;
  headers: Headers;
}

/** The local runtime's HTTP API in this process, over the test's Redis and dynalite. */
export async function startApi(): Promise<LocalApi & { call: typeof call }> {
  const api = await startLocalApi(LOCAL_ROUTES);
  async function call(method: string, path: string, body?: unknown, raw?: string): Promise<Reply> {
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  }
  return { ...api, call };
}
