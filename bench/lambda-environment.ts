// A synthesized function's bundle run as Lambda runs it, as far as a cold start goes: a fresh
// Node.js 24 process (the node@24 package, Lambda's major), the environment Lambda and the stack
// give the function, and bench/lambda-runner.mjs loading the bundle and calling its handler.
// Shared by the cold-start benchmark and the test that runs every synthesized bundle.

import { spawn } from 'node:child_process';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HANDLER } from '../lib/constructs/bundling';

/** From the project's root, as npm runs the bench and the tests (the bench runs bundled, from .local/). */
const RUNNER = join(process.cwd(), 'bench', 'lambda-runner.mjs');

/** The node@24 binary from the registry package (devDependency `node24`). */
export function node24(): string {
  const binary = join(process.cwd(), 'node_modules', 'node24', 'bin', 'node');
  try {
    statSync(binary);
  } catch {
    throw new Error(`No Node.js 24 at ${binary}: run npm ci (devDependency node24 = npm:node@24).`);
  }
  return binary;
}

/**
 * The environment Lambda and the stack give a function (`variables`, its template's), with the
 * stack's references (a token, not a string) taken from `local`, and the stores made local.
 */
export function lambdaEnvironment(
  name: string,
  dir: string,
  variables: Record<string, unknown>,
  local: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(variables)) {
    if (typeof value === 'string') env[key] = value;
    else if (key in local) env[key] = local[key] as string;
    else throw new Error(`${name}: no local value for ${key} (${JSON.stringify(value)})`);
  }
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_REGION: 'eu-west-1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SESSION_TOKEN: 'local',
    LAMBDA_TASK_ROOT: dir,
    _HANDLER: HANDLER,
    AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    ...env,
    // Local servers: one redis-server (not a cluster), and DynamoDB Local.
    ...(env.REDIS_URL ? { REDIS_URL: local.REDIS_URL as string, REDIS_CLUSTER: 'false' } : {}),
    ...(local.REDIS_KEY_PREFIX ? { REDIS_KEY_PREFIX: local.REDIS_KEY_PREFIX } : {}),
    DYNAMODB_ENDPOINT: local.DYNAMODB_ENDPOINT as string,
    // The drain's invocations tick back to back until idle, instead of every 5 s.
    ...(name === 'Drain' ? { DRAIN_INTERVAL_MS: '10' } : {}),
  };
}

export interface BundleRun {
  /** Spawn to handler ready, measured by the parent (process start included). */
  processToReadyMs: number;
  /** The bundle's import alone, measured inside the process. */
  importMs: number;
  /** Each invocation in order: the first right after ready, as an on-demand environment gets it. */
  invocations: { ms: number; statusCode?: number; body?: string }[];
  /** What the function wrote to stdout: metrics, and logs up to INFO, one JSON object per line. */
  stdout: string;
  /** What it wrote to stderr: Powertools' WARN and ERROR logs, and whatever a crash prints. */
  stderr: string;
}

/**
 * Starts `entry` (a file URL) in a fresh process of `binary` with `env`, calls its handler with
 * each of `events` one after the other, and resolves when the process exits cleanly.
 */
export function runBundle(
  binary: string,
  bundle: { dir: string; entry: string; env: Record<string, string> },
  events: unknown[],
  timeoutMs = 120_000,
): Promise<BundleRun> {
  const eventsFile = join(
    tmpdir(),
    `lambda-events-${process.pid}-${Math.random().toString(36).slice(2)}.json`,
  );
  writeFileSync(eventsFile, JSON.stringify(events));
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(binary, [RUNNER, bundle.entry, eventsFile], {
      env: bundle.env,
      cwd: bundle.dir,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    const run: BundleRun = { processToReadyMs: 0, importMs: 0, invocations: [], stdout: '', stderr: '' };
    child.stdout?.on('data', (chunk) => {
      run.stdout += chunk;
    });
    let buffered = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stderr?.on('data', (chunk) => {
      run.stderr += chunk;
    });
    child.stdio[3]?.on('data', (chunk) => {
      buffered += chunk;
      for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
        const line = JSON.parse(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
        if (line.step === 'ready') {
          run.processToReadyMs = performance.now() - started;
          run.importMs = line.importMs;
        } else {
          run.invocations.push({ ms: line.ms, statusCode: line.statusCode, body: line.body });
        }
      }
    });
    // 'close', not 'exit': after the process has exited and its pipes are read to the end.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      rmSync(eventsFile, { force: true });
      if (code === 0) resolve(run);
      else reject(new Error(`${bundle.entry} exited with ${code ?? signal}: ${run.stderr.slice(-2000)}`));
    });
  });
}
