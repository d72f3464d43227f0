import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';

/** A server in a child process of its own: `npm start`'s local runtime, or a benchmark's reference. */
export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | string | null>;
  /** Ctrl-C, and wait for it to end. */
  stop(): Promise<void>;
}

/** A local-runtime process, on the Redis and DynamoDB of this process's environment. */
export type RuntimeProcess = ServerProcess;

// Each test file (or benchmark) builds its own bundle, as they run in parallel, inside the
// project so that its node_modules resolve.
const bundle = `.local/server-${process.pid}.mjs`;

/** Builds the local runtime as `npm start` does, to a bundle of this process's own. */
export function buildLocalRuntime(): void {
  execFileSync(process.execPath, ['local/build.mjs', 'local/main.ts', bundle], { stdio: 'inherit' });
  process.once('exit', removeLocalRuntime);
}

/** Removes the bundle (test files call it after their tests: vitest ends its workers by signal). */
export function removeLocalRuntime(): void {
  rmSync(bundle, { force: true });
}

/**
 * Spawns `node args...` (or `command args...`) and resolves once it prints a line matching
 * `announcement`, whose first group is its URL. The line must be complete: a chunk may end in
 * the middle of the URL.
 */
export function startServer(
  args: string[],
  announcement: RegExp,
  env: NodeJS.ProcessEnv = process.env,
  command = process.execPath,
) {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    await exited;
  };
  return new Promise<ServerProcess>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed:\n${output}`)), 30_000);
    child.stdout?.on('data', () => {
      const url = announcement.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ child, url, output: () => output, exited, stop });
      }
    });
    void exited.then((code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
}

const ANNOUNCEMENT = /running at (http:\/\/\S+)\n/;

/**
 * The environment of a local-runtime process: this one's, less what `env` sets to undefined
 * (`REDIS_URL: undefined` makes it start a redis-server of its own), with its default log level.
 */
function runtimeEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  // As a user's shell has them (the runtime sets its own), unless the test sets them itself.
  const {
    POWERTOOLS_LOG_LEVEL: _,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: __,
    ...shell
  } = process.env;
  const merged: NodeJS.ProcessEnv = { ...shell, PORT: '0', ...env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete merged[name];
  return merged;
}

export function startRuntime(
  env: Record<string, string | undefined> = {},
  args: string[] = [],
): Promise<RuntimeProcess> {
  return startServer([bundle, ...args], ANNOUNCEMENT, runtimeEnv(env));
}

/** `npm start` as a user runs it, from the project's root. */
export function startNpm(env: Record<string, string | undefined> = {}): Promise<RuntimeProcess> {
  return startServer(['start'], ANNOUNCEMENT, runtimeEnv(env), 'npm');
}

/** Runs the local runtime until it exits by itself (a start that must fail), bounded. */
export function runRuntimeToExit(
  env: Record<string, string | undefined>,
  timeoutMs = 20_000,
): Promise<{ code: number | string | null; output: string }> {
  const child = spawn(process.execPath, [bundle], {
    env: runtimeEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running after ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal, output });
    });
  });
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** The command line, arguments separated by spaces. */
  command: string;
}

/** Every live process (Linux /proc), zombies left out. */
export function processes(): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z') continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      found.push({ pid: Number(entry), ppid: Number(ppid), command });
    } catch {
      // ended meanwhile
    }
  }
  return found;
}

/** The processes below `pid`: children, their children, ... */
export function descendants(pid: number): ProcessInfo[] {
  const all = processes();
  const below: ProcessInfo[] = [];
  const queue = [pid];
  for (let parent = queue.shift(); parent !== undefined; parent = queue.shift()) {
    for (const p of all.filter((candidate) => candidate.ppid === parent)) {
      below.push(p);
      queue.push(p.pid);
    }
  }
  return below;
}

/** Those of `list` whose process has not gone yet (a zombie not yet reaped counts). */
export function running(...list: (ProcessInfo | undefined)[]): ProcessInfo[] {
  return list.filter((p): p is ProcessInfo => p !== undefined && existsSync(`/proc/${p.pid}`));
}

export async function postJson(
  url: string,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export async function getJson<T = Record<string, unknown>>(url: string): Promise<T> {
  return (await (await fetch(url)).json()) as T;
}
