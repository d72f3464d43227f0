import { createServer, type Server } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDynamoDbLocal } from '#local/dynamodb';
import { freePort, PortUnavailable } from '#local/ports';
import { startRedis } from '#local/redis-server';
import { processes, runRuntimeToExit } from './support/processes';
import { useRuntimes } from './support/runtimes';

// Every port the local runtime is told to use is checked before anything starts: a taken one,
// even by a listener that never answers, gets one line naming the variable and what to do, and
// nothing is left behind. It never talks to a server it did not start.

const runtimes = useRuntimes();
const OWN_STORES = { REDIS_URL: undefined, DYNAMODB_ENDPOINT: undefined };

/** A listener that accepts connections and never answers, counting them. */
async function silentListener(): Promise<{ server: Server; port: number; connections: () => number }> {
  let connections = 0;
  const server = createServer(() => {
    connections += 1;
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, port, connections: () => connections };
}

let silent: Awaited<ReturnType<typeof silentListener>>;
beforeAll(async () => {
  silent = await silentListener();
});
afterAll(() => {
  silent.server.close();
});

/** The servers a runtime would start, for `port`, still running anywhere. */
const serversOn = (port: number) =>
  processes().filter(
    (p) =>
      (p.command.startsWith('redis-server') && p.command.includes(`:${port}`)) ||
      (p.command.startsWith('java') && p.command.includes(`-port ${port}`)),
  );

const oneLine = (output: string, pattern: RegExp) => {
  const lines = output.split('\n').filter((line) => pattern.test(line));
  expect(lines, output).toHaveLength(1);
  return lines[0] as string;
};

it('REDIS_PORT held by a listener that never answers: one line naming REDIS_PORT, no connection to it', async () => {
  const { code, output } = await runRuntimeToExit({ ...OWN_STORES, REDIS_PORT: String(silent.port) });
  expect(code).toBe(1);
  const line = oneLine(output, /REDIS_PORT/);
  expect(line).toContain(`REDIS_PORT=${silent.port} is in use by another process`);
  expect(line).toMatch(/REDIS_URL/);
  expect(output).not.toMatch(/running at|started here|at .*\(/);
  expect(silent.connections()).toBe(0);
  expect(serversOn(silent.port)).toEqual([]);
});

it('REDIS_PORT held by another Redis: refused, and nothing is written to that Redis', async () => {
  const other = await startRedis();
  const client = new Redis(other.url);
  const connections = async () =>
    Number(/total_connections_received:(\d+)/.exec(await client.info('stats'))?.[1]);
  try {
    const before = await connections();
    const { code, output } = await runRuntimeToExit({ ...OWN_STORES, REDIS_PORT: String(other.port) });
    expect(code).toBe(1);
    expect(oneLine(output, /REDIS_PORT/)).toContain(`REDIS_PORT=${other.port} is in use`);
    // The runtime only tried to listen on the port: it never connected, so it wrote nothing.
    expect(await connections()).toBe(before);
    expect(await client.dbsize()).toBe(0);
  } finally {
    client.disconnect();
    await other.stop();
  }
});

it('DYNAMODB_PORT taken: one line naming DYNAMODB_PORT, and no redis-server or java left behind', async () => {
  const redisPort = await freePort();
  const { code, output } = await runRuntimeToExit({
    ...OWN_STORES,
    REDIS_PORT: String(redisPort),
    DYNAMODB_PORT: String(silent.port),
  });
  expect(code).toBe(1);
  const line = oneLine(output, /DYNAMODB_PORT/);
  expect(line).toContain(`DYNAMODB_PORT=${silent.port} is in use by another process`);
  expect(line).toMatch(/DYNAMODB_ENDPOINT/);
  expect(output).not.toMatch(/EADDRINUSE|at .*\.js:\d+/); // no stack trace
  expect(serversOn(redisPort)).toEqual([]);
  expect(serversOn(silent.port)).toEqual([]);
});

it('PORT taken: one line naming PORT, before any store is started', async () => {
  const redisPort = await freePort();
  const { code, output } = await runRuntimeToExit({
    PORT: String(silent.port),
    REDIS_PORT: String(redisPort),
    REDIS_URL: undefined,
  });
  expect(code).toBe(1);
  expect(oneLine(output, /PORT=/)).toContain(`PORT=${silent.port} is in use by another process`);
  expect(serversOn(redisPort)).toEqual([]);
});

it('a malformed or repeated port: one line naming the variables', async () => {
  const bad = await runRuntimeToExit({ DYNAMODB_PORT: 'abc', DYNAMODB_ENDPOINT: undefined });
  expect(bad.code).toBe(1);
  expect(oneLine(bad.output, /DYNAMODB_PORT/)).toContain('DYNAMODB_PORT must be a port number');
  const port = String(await freePort());
  const same = await runRuntimeToExit({ ...OWN_STORES, REDIS_PORT: port, DYNAMODB_PORT: port });
  expect(same.code).toBe(1);
  expect(oneLine(same.output, /REDIS_PORT=/)).toContain('each must be a different port');
});

it('startRedis and startDynamoDbLocal refuse a taken port themselves, and leave no process', async () => {
  await expect(startRedis({ port: silent.port })).rejects.toBeInstanceOf(PortUnavailable);
  await expect(startDynamoDbLocal({ port: silent.port })).rejects.toBeInstanceOf(PortUnavailable);
  expect(serversOn(silent.port)).toEqual([]);
  expect(silent.connections()).toBe(0);
});

it('HOST=::1 prints a URL that works, and no AWS SDK Node.js version warning', async () => {
  const runtime = await runtimes.start({ HOST: '::1' });
  expect(runtime.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
  expect(runtime.output()).toContain(`curl -g -s ${runtime.url}/coupons/welcome/requests/alice`);
  expect((await fetch(`${runtime.url}/health`)).status).toBe(200);
  expect(runtime.output()).not.toMatch(/NodeVersionSupportWarning|node >=22/);
  await runtime.stop();
});
