// How fast `npm run sale`'s client drives a running local runtime, next to autocannon on the same
// route in the same run (each twice, alternating, best of each): `npx tsx bench/sale-client.ts
// --url http://127.0.0.1:3000 [--requests 50000] [--connections 128]`. The route is the request
// for a sold-out coupon, the cheapest answer, so that the client's own cost shows most.

import { parseArgs } from 'node:util';
import { ApiClient } from '../tools/api-client';
import { sendAll } from '../tools/sale/crowd';
import { cpuMeter, printTable, round } from './lib';
import { load } from './load';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:3000' },
    requests: { type: 'string', default: '50000' },
    connections: { type: 'string', default: '128' },
  },
});
const url = values.url as string;
const requests = Number(values.requests);
const connections = Number(values.connections);
const couponId = `bench-sold-out-${Date.now().toString(36)}`;

const admin = new ApiClient(url, { connections: 1 });
await admin.call('POST', '/coupons', { body: { couponId, name: 'Sold out', stock: 1 } });
await admin.call('POST', `/coupons/${couponId}/requests`, { body: { userId: 'first' } });
await admin.close();

async function simulator() {
  const client = new ApiClient(url, { connections });
  const cpu = cpuMeter();
  const started = performance.now();
  let ok = 0;
  await sendAll(requests, { shape: 'burst' }, connections, async (i) => {
    const answer = await client.call('POST', `/coupons/${couponId}/requests`, { body: { userId: `s${i}` } });
    if (answer.status === 410) ok += 1;
  });
  const seconds = (performance.now() - started) / 1000;
  await client.close();
  if (ok !== requests) throw new Error(`${requests - ok} requests were not answered SOLD_OUT`);
  return { rate: requests / seconds, cpu: cpu() };
}

async function autocannon() {
  const cpu = cpuMeter();
  const result = await load({
    url: `${url}/coupons/${couponId}/requests`,
    body: (n) => `{"userId":"a${n}"}`,
    connections,
    amount: requests,
  });
  return { rate: result.rate, cpu: cpu() };
}

const runs = {
  simulator: [] as { rate: number; cpu: number }[],
  autocannon: [] as { rate: number; cpu: number }[],
};
for (let round = 0; round < 2; round++) {
  runs.autocannon.push(await autocannon());
  runs.simulator.push(await simulator());
}
const best = (list: { rate: number; cpu: number }[]) => list.reduce((a, b) => (b.rate > a.rate ? b : a));
const sim = best(runs.simulator);
const ref = best(runs.autocannon);
printTable(
  `npm run sale's client against ${url}: ${requests.toLocaleString('en-US')} requests, ${connections} connections`,
  [
    {
      client: 'autocannon (reference)',
      'requests/s': Math.round(ref.rate),
      'client CPU': `${Math.round(ref.cpu * 100)}%`,
    },
    {
      client: 'npm run sale (undici Pool)',
      'requests/s': Math.round(sim.rate),
      'client CPU': `${Math.round(sim.cpu * 100)}%`,
    },
    { client: 'ratio', 'requests/s': `${round((100 * sim.rate) / ref.rate, 0)}%`, 'client CPU': '' },
  ],
);
