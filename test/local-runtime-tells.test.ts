import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { uniqueId } from './support/helpers';
import { getJson, postJson } from './support/processes';
import { useRuntimes } from './support/runtimes';

// What `npm start` tells and keeps: drain lines that give rates, a request log at debug level,
// and with --data-dir, Redis (AOF) and DynamoDB Local data that survive a restart.

const runtimes = useRuntimes();
/** Each runtime here starts a Redis and a DynamoDB Local (Java) of its own: seconds each on a busy machine. */
const OWN_SERVERS_MS = 120_000;
const dir = mkdtempSync(join(tmpdir(), 'fcfs-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Servers of its own (none given), kept in `dir`. */
const startKept = (env: Record<string, string> = {}) =>
  runtimes.start({ REDIS_URL: '', DYNAMODB_ENDPOINT: '', DRAIN_INTERVAL_MS: '100', ...env }, [
    '--data-dir',
    dir,
  ]);

it(
  'keeps coupons, queues and holders across a restart with --data-dir, and says where',
  async () => {
    const couponId = uniqueId('kept');
    const first = await startKept({ POWERTOOLS_LOG_LEVEL: 'DEBUG' });
    expect(first.output()).toContain(`kept in ${join(dir, 'redis')}`);
    expect(first.output()).toContain(`kept in ${join(dir, 'dynamodb')}`);
    expect((await postJson(`${first.url}/coupons`, { couponId, name: 'Kept', stock: 2 })).status).toBe(201);
    for (const userId of ['ann', 'bob', 'cat'])
      await postJson(`${first.url}/coupons/${couponId}/requests`, { userId });
    await expect
      .poll(() => getJson(`${first.url}/coupons/${couponId}`), { timeout: 20_000 })
      .toMatchObject({ issued: 2, queued: 0, pending: 0 });

    // The drain's line names the coupon and gives counts and rates (the two winners may come in one
    // tick or two); the debug log has a line per request.
    await expect
      .poll(first.output, { timeout: 20_000 })
      .toMatch(
        new RegExp(
          `drain ${couponId} \\(\\w+\\): issued [12] \\([\\d,]+/s\\), persisted [12] \\([\\d,]+/s\\); waiting 0, pending 0, lag \\d+\\.\\d s`,
        ),
      );
    expect(first.output()).toMatch(
      new RegExp(
        `"message":"request".*"method":"POST","path":"/coupons/${couponId}/requests","route":"RequestCoupon","status":410`,
      ),
    );
    await first.stop();

    const second = await startKept();
    expect(await getJson(`${second.url}/coupons/${couponId}`)).toMatchObject({
      stock: 2,
      issued: 2,
      available: 0,
    });
    expect(await getJson(`${second.url}/users/ann/coupons`)).toMatchObject({
      items: [{ couponId, userId: 'ann' }],
    });
    expect(await postJson(`${second.url}/coupons/${couponId}/requests`, { userId: 'bob' })).toMatchObject({
      status: 409,
      body: { status: 'ALREADY_ISSUED' },
    });
    expect(second.output()).not.toContain('"message":"request"');
    await second.stop();
  },
  OWN_SERVERS_MS,
);

it(
  'says plainly that everything is in memory without --data-dir',
  async () => {
    const runtime = await runtimes.start({ REDIS_URL: '', DYNAMODB_ENDPOINT: '' });
    expect(runtime.output()).toMatch(
      /Redis: .*in memory: its data is gone at stop \(--data-dir DIR keeps it\)/,
    );
    expect(runtime.output()).toMatch(/DynamoDB: .*in memory: every table is gone at stop/);
    await runtime.stop();
  },
  OWN_SERVERS_MS,
);

it('refuses an unknown argument with the usage', async () => {
  await expect(runtimes.start({}, ['--data-dri', dir])).rejects.toThrow(
    /Usage: npm start \[-- --data-dir DIR\]/,
  );
});
