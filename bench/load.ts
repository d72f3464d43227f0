import autocannon from 'autocannon';

export interface LoadResult {
  rate: number;
  p50: number;
  p99: number;
  max: number;
  requests: number;
  errors: number;
  non2xx: number;
  seconds: number;
  statusCodes: Record<string, number>;
}

export interface LoadOptions {
  url: string;
  /** POST bodies: a fresh one per request, from a counter. */
  body?: (n: number) => string;
  method?: 'GET' | 'POST';
  connections?: number;
  /** Seconds, or... */
  duration?: number;
  /** ...a fixed number of requests. */
  amount?: number;
  /** Requests per second across all connections (open loop); none: as fast as answered. */
  overallRate?: number;
}

/** autocannon with keep-alive connections, one fresh body per request. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  let n = 0;
  const { body } = options;
  const result = await autocannon({
    url: options.url,
    method: options.method ?? 'POST',
    connections: options.connections ?? 64,
    pipelining: 1,
    ...(options.amount ? { amount: options.amount } : { duration: options.duration ?? 10 }),
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (request) => (body ? { ...request, body: body(n++) } : request) }],
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {}))
    statusCodes[code] = count ?? 0;
  return {
    rate: result.requests.total / (result.duration || 1),
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    seconds: result.duration,
    statusCodes,
  };
}
