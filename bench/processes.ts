// Child processes for the benchmarks: the local runtime (as `npm start` runs it) and a bare
// Node.js HTTP server, each in a process of its own so the load generator never shares one.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';

export interface Server {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

const RUNTIME_BUNDLE = '.local/bench-server.mjs';

export function buildRuntime(): void {
  execFileSync(process.execPath, ['local/build.mjs', 'local/main.ts', RUNTIME_BUNDLE], { stdio: 'inherit' });
}

function started(child: ChildProcess, pattern: RegExp): Promise<string> {
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = pattern.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
}

function stopper(child: ChildProcess) {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGINT');
    });
}

/** The local runtime, on the benchmark's Redis and DynamoDB (from the environment). */
export async function startRuntime(env: Record<string, string> = {}): Promise<Server> {
  const child = spawn(process.execPath, [RUNTIME_BUNDLE], {
    env: { ...process.env, PORT: '0', POWERTOOLS_LOG_LEVEL: 'ERROR', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await started(child, /running at (http:\/\/[\d.:]+)/);
  return { url, child, stop: stopper(child) };
}

/** The reference: a bare node:http server answering a fixed small JSON body. */
export async function startBareServer(): Promise<Server> {
  const source = `
    const http = require('node:http');
    const body = JSON.stringify({ status: 'QUEUED', position: 1 });
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(202, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
    server.keepAliveTimeout = 65000;
    server.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));
    process.on('SIGINT', () => server.close(() => process.exit(0)));
  `;
  const child = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await started(child, /listening on (http:\/\/[\d.:]+)/);
  return { url, child, stop: stopper(child) };
}
