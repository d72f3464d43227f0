import { existsSync, readlinkSync } from 'node:fs';
import { expect, it } from 'vitest';
import { descendants, type ProcessInfo, type RuntimeProcess, running } from './support/processes';
import { useRuntimes } from './support/runtimes';

// `npm start` and the server it runs, stopped the ways a terminal, systemd, an IDE or a crash
// stop them: whatever the signal, and to whichever process it goes, nothing it started stays
// running and no folder of its stays behind.

const runtimes = useRuntimes();
// Servers of their own: these tests are about them.
const OWN_STORES = { REDIS_URL: undefined, DYNAMODB_ENDPOINT: undefined };
const OWN_REDIS = { REDIS_URL: undefined };

interface Started {
  server: ProcessInfo;
  redis: ProcessInfo;
  java?: ProcessInfo;
  watchdog: ProcessInfo;
  /** redis-server's folder (it works in it). */
  folder: string;
}

/** What the runtime started, found in the process table under `pid`. */
function startedBelow(pid: number): Started {
  const below = descendants(pid);
  const server = below.find((p) => p.command.includes('local/start.mjs')) ?? { pid, ppid: 0, command: '' };
  const mine = descendants(server.pid);
  const redis = mine.find((p) => p.command.startsWith('redis-server'));
  const java = mine.find((p) => p.command.startsWith('java') && p.command.includes('DynamoDBLocal'));
  const watchdog = mine.find((p) => p.command.includes('-e') && p.command.includes('stdin'));
  if (!redis || !watchdog) throw new Error(`not all started below ${pid}: ${JSON.stringify(mine)}`);
  const folder = readlinkSync(`/proc/${redis.pid}/cwd`);
  return { server, redis, java, watchdog, folder };
}

async function expectAllGone(started: Started, runtime: RuntimeProcess) {
  const { server, redis, java, watchdog } = started;
  await expect
    .poll(() => running(server, redis, java, watchdog).map((p) => p.command), { timeout: 15_000 })
    .toEqual([]);
  expect(runtime.output()).not.toMatch(/NodeVersionSupportWarning/);
}

it("npm start: SIGTERM to npm's pid stops the server, its redis-server and DynamoDB Local", async () => {
  const npm = await runtimes.npm(OWN_STORES);
  const started = startedBelow(npm.child.pid as number);
  expect(started.java).toBeDefined();
  expect(started.server.ppid).toBe(npm.child.pid); // no shell between npm and the server
  npm.child.kill('SIGTERM');
  await npm.exited;
  await expectAllGone(started, npm);
  expect(npm.output()).toContain('SIGTERM: stopping');
  expect(npm.output()).toContain('stopped.');
});

it("npm start: SIGINT to npm's pid stops the server and its redis-server", async () => {
  const npm = await runtimes.npm(OWN_REDIS);
  const started = startedBelow(npm.child.pid as number);
  npm.child.kill('SIGINT');
  await npm.exited;
  await expectAllGone(started, npm);
  expect(npm.output()).toContain('SIGINT: stopping');
});

it("SIGTERM to the server's own pid stops it and its redis-server, and removes redis-server's folder", async () => {
  const runtime = await runtimes.start(OWN_REDIS);
  const started = startedBelow(runtime.child.pid as number);
  expect(started.folder).toMatch(/fcfs-redis-/);
  runtime.child.kill('SIGTERM');
  expect(await runtime.exited).toBe(0);
  await expectAllGone(started, runtime);
  expect(existsSync(started.folder)).toBe(false);
});

it('SIGKILL of the server: its redis-server and DynamoDB Local end within seconds, and their folder goes', async () => {
  const runtime = await runtimes.start(OWN_STORES);
  const started = startedBelow(runtime.child.pid as number);
  expect(started.java).toBeDefined();
  expect(existsSync(started.folder)).toBe(true);
  runtime.child.kill('SIGKILL');
  await runtime.exited;
  await expectAllGone(started, runtime);
  expect(existsSync(started.folder)).toBe(false);
});
