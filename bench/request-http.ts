// Benchmark 2: the request path over HTTP. The local runtime (HTTP -> API Gateway event ->
// handler -> Redis) under autocannon, next to a bare Node.js HTTP server answering a fixed small
// JSON body under the same load; then the runtime at half its maximum rate, for latency.

import { buildLocalRuntime, startRuntime } from '../test/support/processes';
import { checkTarget, printTable, reportVerdicts, startServers, writeResult } from './lib';
import { load } from './load';
import { startBareServer } from './processes';

export async function benchRequestHttp(seconds = 10, connections = 64) {
  const servers = await startServers('bench-http');
  buildLocalRuntime();
  // The drain ticks rarely here: this measures the request path alone.
  const runtime = await startRuntime({ DRAIN_INTERVAL_MS: '60000' });
  const bare = await startBareServer();
  try {
    const couponId = 'http';
    const created = await fetch(`${runtime.url}/coupons`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ couponId, name: 'http', stock: 10_000_000 }),
    });
    if (created.status !== 201) throw new Error(`create failed: ${created.status}`);
    const requestUrl = `${runtime.url}/coupons/${couponId}/requests`;
    let user = 0;
    const body = () => `{"userId":"u${user++}"}`;

    await load({ url: requestUrl, body, connections, duration: 3 }); // warm-up
    const full = await load({ url: requestUrl, body, connections, duration: seconds });
    await load({ url: bare.url, body, connections, duration: 3 });
    const reference = await load({ url: bare.url, body, connections, duration: seconds });
    const half = await load({
      url: requestUrl,
      body,
      connections,
      duration: seconds,
      overallRate: Math.round(full.rate / 2),
    });

    const row = (name: string, r: typeof full) => ({
      server: name,
      'req/s': Math.round(r.rate),
      'p50 ms': r.p50,
      'p99 ms': r.p99,
      'max ms': r.max,
      'errors+non2xx': r.errors + r.non2xx,
    });
    printTable(
      `2. Request path over HTTP, ${connections} keep-alive connections (target: >= 50% of bare; p99 < 20 ms at half rate)`,
      [
        row('local runtime, POST /coupons/{id}/requests', full),
        row('bare node:http, fixed JSON', reference),
        row(`local runtime at half rate (${Math.round(full.rate / 2)}/s)`, half),
      ],
    );
    const ratio = full.rate / reference.rate;
    console.log(
      `ratio: ${Math.round(ratio * 100)}% of the bare server's rate; p99 at half rate: ${half.p99} ms`,
    );
    const verdicts = reportVerdicts('2. request path over HTTP', [
      checkTarget(
        "local runtime's rate vs bare node:http's",
        ratio,
        { atLeast: 0.5 },
        (v) => `${Math.round(v * 100)}%`,
      ),
      checkTarget('p99 at half the maximum rate', half.p99, { below: 20 }, (v) => `${v} ms`),
    ]);
    const result = { connections, seconds, runtime: full, reference, halfRate: half, ratio, verdicts };
    console.log(`written: ${writeResult('request-http', result)}`);
    return result;
  } finally {
    await Promise.all([runtime.stop(), bare.stop()]);
    await servers.stop();
  }
}
