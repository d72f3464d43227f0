// Benchmark 4: a flash sale end to end. 100,000 distinct users against a coupon of 10,000 stock,
// all at once, over HTTP to the local runtime (default settings, as `npm start` runs it): the
// time until every user holds a final answer, the time until every winner is in DynamoDB, and
// Redis's memory before and after.

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { buildLocalRuntime, startRuntime } from '../test/support/processes';
import { countRows } from './drain';
import {
  checkTarget,
  printTable,
  redisMemory,
  reportVerdicts,
  round,
  startServers,
  writeResult,
} from './lib';
import { load } from './load';

export async function benchFlashSale(users = 100_000, stock = 10_000, connections = 128) {
  const servers = await startServers('bench-flash');
  buildLocalRuntime();
  const runtime = await startRuntime();
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: servers.dynamoEndpoint }));
  try {
    const couponId = 'flash';
    const created = await fetch(`${runtime.url}/coupons`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ couponId, name: 'Flash sale', stock }),
    });
    if (created.status !== 201) throw new Error(`create failed: ${created.status}`);
    const memoryBefore = await redisMemory(servers.redisUrl);

    const started = performance.now();
    const answers = await load({
      url: `${runtime.url}/coupons/${couponId}/requests`,
      body: (n) => `{"userId":"shopper-${n}"}`,
      connections,
      amount: users,
    });
    const answeredSeconds = (performance.now() - started) / 1000;

    let view = { issued: 0, pending: 0, queued: -1 };
    while (!(view.issued === stock && view.pending === 0 && view.queued === 0)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      view = (await (await fetch(`${runtime.url}/coupons/${couponId}`)).json()) as typeof view;
      if (performance.now() - started > 300_000) throw new Error(`not drained: ${JSON.stringify(view)}`);
    }
    const persistedSeconds = (performance.now() - started) / 1000;
    const rows = await countRows(db, servers.tables.issuedTable, couponId);
    const memoryAfter = await redisMemory(servers.redisUrl);

    const growth = memoryAfter - memoryBefore;
    printTable(
      `4. Flash sale: ${users.toLocaleString('en-US')} users, ${stock.toLocaleString('en-US')} coupons, ${connections} connections (target: < 30 s)`,
      [
        {
          measure: 'every user answered',
          value: `${round(answeredSeconds, 2)} s`,
          detail: `${Math.round(answers.rate)} req/s, p99 ${answers.p99} ms`,
        },
        {
          measure: 'every winner in DynamoDB',
          value: `${round(persistedSeconds, 2)} s`,
          detail: `${rows} rows (drain every 5 s)`,
        },
        {
          measure: 'answers',
          value: `${answers.statusCodes['202'] ?? 0} x 202`,
          detail: `${answers.statusCodes['410'] ?? 0} x 410, ${answers.errors} errors`,
        },
        {
          measure: 'Redis memory growth',
          value: `${round(growth / 2 ** 20, 2)} MiB`,
          detail: `${Math.round(growth / stock)} bytes per winner, ${round(growth / users, 1)} per request`,
        },
      ],
    );
    const verdicts = reportVerdicts('4. flash sale', [
      checkTarget('every winner in DynamoDB', persistedSeconds, { below: 30 }, (v) => `${round(v, 1)} s`),
    ]);
    const result = {
      verdicts,
      users,
      stock,
      connections,
      answeredSeconds,
      persistedSeconds,
      requestRate: answers.rate,
      latency: { p50: answers.p50, p99: answers.p99, max: answers.max },
      statusCodes: answers.statusCodes,
      errors: answers.errors,
      rows,
      redisMemory: { before: memoryBefore, after: memoryAfter, growth, bytesPerWinner: growth / stock },
    };
    console.log(`written: ${writeResult('flash-sale', result)}`);
    return result;
  } finally {
    db.destroy();
    await runtime.stop();
    await servers.stop();
  }
}
