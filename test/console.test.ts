import { request } from 'node:http';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { uniqueId } from './support/helpers';
import { postJson, type RuntimeProcess } from './support/processes';
import { useRuntimes } from './support/runtimes';

// The live console in a real browser (Debian's chromium, driven by playwright-core), served by
// the local runtime as `npm start` serves it: what a person sees and does on the page.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const runtimes = useRuntimes();
let runtime: RuntimeProcess;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const couponId = uniqueId('console');

beforeAll(async () => {
  // Playwright gives each launch a fresh, temporary profile (user-data-dir).
  [runtime, browser] = await Promise.all([
    runtimes.start({ DRAIN_INTERVAL_MS: '200' }),
    chromium.launch({ executablePath: CHROMIUM, args: FLAGS }),
  ]);
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
});

afterAll(async () => {
  await browser?.close();
});

const text = (selector: string) => () => page.locator(selector).textContent();
/** Waits on the page's polling and on the drain: generous, as the machine may be busy. */
const until = { timeout: 20_000 };

it('loads, and a coupon created in the page appears in the list and is watched', async () => {
  await page.goto(`${runtime.url}/`);
  await page.getByRole('heading', { name: /FCFS coupons/ }).waitFor();
  await expect.poll(text('#connection'), until).toMatch(/^Live/);
  await expect.poll(text('#target'), until).toBe('Watching this local runtime');

  await page.getByLabel('Coupon id', { exact: true }).fill(couponId);
  await page.getByLabel('Name', { exact: true }).fill('Console test');
  await page.getByLabel('Stock', { exact: true }).fill('100');
  await page.getByRole('button', { name: 'Create' }).click();

  await page.getByRole('button', { name: couponId, exact: true }).waitFor();
  await expect.poll(text('#create-result'), until).toBe(`Created ${couponId}.`);
  await expect.poll(text('#sale-id'), until).toBe(couponId);
  await expect.poll(text('#c-stock'), until).toBe('100');
  await expect.poll(text('#c-available'), until).toBe('100');
  await expect.poll(text('#sale-state'), until).toBe('OPEN');
});

it('shows a user pressed in the page as QUEUED, then ISSUED', async () => {
  await page.getByLabel('User id', { exact: true }).fill('alice');
  await page.getByRole('button', { name: 'Get coupon' }).click();
  const entry = page.locator('#user-log li[data-user-id="alice"]');
  await expect
    .poll(() => entry.textContent(), until)
    .toMatch(new RegExp(`^alice on ${couponId}: QUEUED \\(position 1\\) → ISSUED at `));
});

it('follows a burst sent from outside: counters, answers by kind and the charts', async () => {
  // 150 users for the 99 left: 99 QUEUED and 51 SOLD_OUT.
  const answers = await Promise.all(
    Array.from({ length: 150 }, (_, i) =>
      postJson(`${runtime.url}/coupons/${couponId}/requests`, { userId: `burst-${i}` }),
    ),
  );
  expect(answers.filter((a) => a.status === 202)).toHaveLength(99);

  await expect.poll(text('#c-issued'), until).toBe('100');
  await expect.poll(text('#c-queued'), until).toBe('0');
  await expect.poll(text('#c-available'), until).toBe('0');
  await expect.poll(text('#c-pending'), until).toBe('0');
  await expect.poll(text('#c-persisted'), until).toBe('100');
  // Sold out and everything persisted.
  await expect.poll(text('#sale-state'), until).toBe('FINISHED');
  await expect.poll(text('#answers tr[data-kind="QUEUED"] td.num'), until).toBe('100');
  await expect.poll(text('#answers tr[data-kind="SOLD_OUT"] td.num'), until).toBe('51');
  // The charts drew the burst: each series has a line, and the answers chart has both kinds.
  await expect.poll(() => page.locator('#chart-flow polyline').count(), until).toBe(3);
  await expect.poll(text('#legend-answers'), until).toMatch(/QUEUED.*SOLD_OUT/);
  expect(pageErrors).toEqual([]);
});

it('serves its own paths only as sent: a path with dot segments is routed as the API routes it', async () => {
  // The path as written (fetch, or a URL given to node:http, would normalize it first, as the
  // console's own handling did).
  const get = (path: string) =>
    new Promise<{ status?: number; type?: string; body: string }>((resolve, reject) => {
      const { hostname, port } = new URL(runtime.url);
      request({ hostname, port, path }, (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode, type: response.headers['content-type'], body }),
        );
      })
        .on('error', reject)
        .end();
    });
  expect(await get(`/console/answers?couponId=${couponId}`)).toMatchObject({ status: 200 });
  // A URL parser would make these `/console/info` and `/`: the API has no such route, or refuses the id.
  expect(await get('/users/%2e%2e/console/info')).toMatchObject({
    status: 404,
    body: '{"message":"Not Found"}',
  });
  expect(await get('/coupons/%2e%2e')).toMatchObject({ status: 400, type: 'application/json' });
});
