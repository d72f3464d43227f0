import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';

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
 * Spawns `node args...` and resolves once it prints a line matching `announcement`, whose first
 * group is its URL. The line must be complete: a chunk may end in the middle of the URL.
 */
export function startServer(args: string[], announcement: RegExp, env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
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

export function startRuntime(env: Record<string, string> = {}, args: string[] = []): Promise<RuntimeProcess> {
  return startServer([bundle, ...args], /running at (http:\/\/\S+)\n/, {
    ...process.env,
    PORT: '0',
    POWERTOOLS_LOG_LEVEL: 'WARN',
    ...env,
  });
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
