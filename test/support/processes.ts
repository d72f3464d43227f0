import { type ChildProcess, execFileSync, spawn } from 'node:child_process';

/** A local-runtime process (`npm start`'s server), on the test's Redis and DynamoDB. */
export interface RuntimeProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | string | null>;
}

// Each test file builds its own bundle (test files run in parallel), inside the project so that
// its node_modules resolve.
const bundle = `.local/server-${process.pid}.mjs`;

/** Builds the local runtime as `npm start` does, to a bundle of this test file's own. */
export function buildLocalRuntime(): void {
  execFileSync(process.execPath, ['local/build.mjs', 'local/main.ts', bundle], { stdio: 'inherit' });
}

export function startRuntime(env: Record<string, string> = {}): Promise<RuntimeProcess> {
  const child = spawn(process.execPath, [bundle], {
    env: { ...process.env, PORT: '0', POWERTOOLS_LOG_LEVEL: 'WARN', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed:\n${output}`)), 20_000);
    child.stdout?.on('data', () => {
      const match = /running at (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ child, url: match[1], output: () => output, exited });
      }
    });
    void exited.then((code) => reject(new Error(`exited with ${code}:\n${output}`)));
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
