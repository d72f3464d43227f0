import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort } from './ports';

export interface LocalRedis {
  url: string;
  port: number;
  /** Where the server keeps its files (AOF, RDB). */
  dir: string;
  /** How it was started, for messages. */
  origin: 'redis-server' | 'docker';
  /** Stops the server; its data directory goes too, unless the caller gave it. */
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  port?: number;
  /** Keep data in an append-only file (to survive a restart in tests). */
  appendOnly?: boolean;
  /** Reuse a data directory (a restart of the same server). */
  dir?: string;
  extraArgs?: string[];
}

function onPath(command: string): boolean {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function dockerRuns(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

export async function waitForRedis(url: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') return;
    } catch {
      // not up yet
    } finally {
      probe.disconnect();
    }
    await sleep(50);
  }
  throw new Error(`Redis at ${url} did not answer within ${timeoutMs} ms`);
}

/**
 * Starts a private Redis: redis-server from PATH, else a container where a Docker engine runs,
 * else an error that says how to get one. Nothing is downloaded by this code.
 */
export async function startRedis(options: RedisServerOptions = {}): Promise<LocalRedis> {
  const port = options.port ?? (await freePort());
  const ownsDir = !options.dir;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'fcfs-redis-'));
  const url = `redis://127.0.0.1:${port}`;

  if (onPath('redis-server')) {
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
    const child: ChildProcess = spawn('redis-server', args, { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await waitForRedis(url);
    return {
      url,
      port,
      dir,
      origin: 'redis-server',
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await exited;
        }
        if (ownsDir) rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  if (dockerRuns()) {
    const id = execFileSync(
      'docker',
      ['run', '-d', '--rm', '-p', `127.0.0.1:${port}:6379`, 'redis:7-alpine'],
      {
        encoding: 'utf8',
      },
    ).trim();
    await waitForRedis(url, 60_000);
    return {
      url,
      port,
      dir,
      origin: 'docker',
      async stop() {
        execFileSync('docker', ['rm', '-f', id], { stdio: 'ignore' });
        if (ownsDir) rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  if (ownsDir) rmSync(dir, { recursive: true, force: true });
  throw new Error(
    'No Redis to run against. Either set REDIS_URL to a Redis you have (redis://host:port), ' +
      'or install redis-server (Debian/Ubuntu: sudo apt-get install -y redis-server; macOS: brew install redis), ' +
      'or start a Docker engine so that a redis:7 container can be run.',
  );
}
