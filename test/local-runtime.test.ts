import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { issuedRows, testDynamoDb, uniqueId } from './support/helpers';

// `npm start` as a user runs it, twice, on one Redis and one DynamoDB: both processes admit,
// both drain, and together they issue the stock exactly once; Ctrl-C stops each cleanly.

interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
}

function startProcess(): Promise<Running> {
  const child = spawn(process.execPath, ['.local/server.mjs'], {
    env: { ...process.env, PORT: '0', DRAIN_INTERVAL_MS: '100', POWERTOOLS_LOG_LEVEL: 'WARN' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed:\n${output}`)), 20_000);
    child.stdout?.on('data', () => {
      const match = /running at (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ child, url: match[1], output: () => output });
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
}

const processes: Running[] = [];
const db = testDynamoDb();

beforeAll(() => {
  execFileSync(process.execPath, ['local/build.mjs'], { stdio: 'inherit' });
});
afterAll(() => {
  for (const { child } of processes) if (child.exitCode === null) child.kill('SIGKILL');
});

async function post(url: string, body: unknown) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

it('two processes on one Redis and one DynamoDB issue the stock exactly once, and stop on SIGINT', async () => {
  processes.push(await startProcess(), await startProcess());
  const [a, b] = processes as [Running, Running];
  expect(a.url).not.toBe(b.url);

  const couponId = uniqueId('local');
  expect((await post(`${a.url}/coupons`, { couponId, name: 'Local', stock: 150 })).status).toBe(201);
  const users = Array.from({ length: 200 }, (_, i) => `user${i}`);
  const answers = await Promise.all(
    users.map((userId, i) => post(`${(i % 2 ? a : b).url}/coupons/${couponId}/requests`, { userId })),
  );
  expect(answers.filter((r) => r.status === 202)).toHaveLength(150);
  expect(answers.filter((r) => r.status === 410)).toHaveLength(50);

  // Both drains run every 100 ms; wait (bounded) for the winners to be confirmed.
  let view: { issued: number; pending: number; queued: number } = { issued: 0, pending: 0, queued: 0 };
  for (let i = 0; i < 100 && !(view.issued === 150 && view.pending === 0); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    view = (await (await fetch(`${b.url}/coupons/${couponId}`)).json()) as typeof view;
  }
  expect(view).toMatchObject({ issued: 150, queued: 0, pending: 0 });
  const winners = users.filter((_, i) => answers[i]?.status === 202).sort();
  expect((await issuedRows(db, couponId)).sort()).toEqual(winners);
  const held = (await (await fetch(`${a.url}/users/${winners[0]}/coupons`)).json()) as { items: unknown[] };
  expect(held.items).toEqual([expect.objectContaining({ couponId, used: false })]);

  for (const { child, output } of processes) {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output()).toContain('stopped.');
  }
});
