import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { checkPortFree, freePort, PortUnavailable } from './ports';
import { supervise } from './watchdog';

export interface LocalRedis {
  url: string;
  port: number;
  /** The redis-server process. */
  pid: number;
  /** Where the server keeps its files (AOF, RDB). */
  dir: string;
  /** Stops the server; its data directory goes too, unless the caller gave it. */
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** @default a free port */
  port?: number;
  /** Keep data in an append-only file (to survive a restart in tests). */
  appendOnly?: boolean;
  /** Reuse a data directory (a restart of the same server). */
  dir?: string;
  extraArgs?: string[];
}

/** Folders of this module are named fcfs-redis-<pid of their owner>-XXXXXX. */
const FOLDER_PREFIX = 'fcfs-redis-';

function onPath(command: string): boolean {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Removes the folders of owners that died without cleaning up (the watchdog's own death). */
function removeStaleFolders(): void {
  for (const name of readdirSync(tmpdir())) {
    const owner = Number(new RegExp(`^${FOLDER_PREFIX}(\\d+)-`).exec(name)?.[1]);
    if (owner && owner !== process.pid && !isAlive(owner)) {
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}

/** A client for one probe: every step bounded, so a port that never answers cannot hang it. */
function probe(url: string): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 500,
    commandTimeout: 500,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  return client;
}

/**
 * Resolves with the answering server's process id once `url` answers PING; rejects after
 * `timeoutMs`, or as soon as `stopped()` says the server it waits for has exited.
 */
export async function waitForRedis(
  url: string,
  timeoutMs = 10_000,
  stopped: () => string | undefined = () => undefined,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const exit = stopped();
    if (exit) throw new Error(exit);
    const client = probe(url);
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') {
        return Number(/process_id:(\d+)/.exec(await client.info('server'))?.[1]);
      }
    } catch {
      // not up yet
    } finally {
      client.disconnect();
    }
    await sleep(50);
  }
  throw new Error(`Redis at ${url} did not answer within ${timeoutMs} ms`);
}

/**
 * Starts a private redis-server from PATH on 127.0.0.1. Rejects with PortUnavailable if its port
 * is taken, whether before the start or by another server answering in its place: what it
 * returns is always the server it started. The server stops with this process (watchdog.ts).
 */
export async function startRedis(options: RedisServerOptions = {}): Promise<LocalRedis> {
  if (!onPath('redis-server')) {
    throw new Error(
      'No redis-server on the PATH. Install it (Debian/Ubuntu: sudo apt-get install -y redis-server; ' +
        'macOS: brew install redis), or set REDIS_URL to a Redis 7 you have (redis://host:port).',
    );
  }
  removeStaleFolders();
  const port = options.port ?? (await freePort());
  await checkPortFree(port);
  const ownsDir = !options.dir;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), `${FOLDER_PREFIX}${process.pid}-`));
  const url = `redis://127.0.0.1:${port}`;
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    options.appendOnly ? 'yes' : 'no',
    '--appendfsync',
    'always',
    ...(options.extraArgs ?? []),
  ];
  // Detached (a process group of its own): a Ctrl-C in the terminal reaches only the runtime,
  // which stops this server after its last request, not before.
  const child: ChildProcess = spawn('redis-server', args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const server = supervise(child, { folder: ownsDir ? dir : undefined });

  try {
    const answering = await waitForRedis(url, 10_000, () =>
      child.exitCode !== null || child.signalCode !== null
        ? `redis-server exited (${child.exitCode ?? child.signalCode}) before it answered`
        : undefined,
    );
    if (answering !== child.pid) throw new PortUnavailable(port, 'in use');
  } catch (error) {
    await server.stop();
    if (/Address already in use/.test(server.output())) throw new PortUnavailable(port, 'in use');
    if (error instanceof PortUnavailable) throw error;
    const lastLines = server.output().trim().split('\n').slice(-3).join('\n');
    throw new Error(`${(error as Error).message}${lastLines ? `:\n${lastLines}` : ''}`);
  }
  return { url, port, pid: child.pid as number, dir, stop: server.stop };
}
