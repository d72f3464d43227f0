import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';

// Servers this process starts (redis-server, DynamoDB Local's java) must not outlive it, however
// it ends. A SIGKILL gives it no chance to stop them, so a small watchdog process does: it holds
// the read end of a pipe from this process, which the kernel closes when this process ends for
// any reason; it then stops every server still registered (SIGTERM, SIGKILL after 3 s) and
// removes their temporary folders. Chosen over a process group (a group does not die with its
// leader) and over each child polling its parent (redis-server and java cannot).

const WATCHDOG = `
const { readFileSync, rmSync } = require('node:fs');
const pids = new Map();
const folders = new Map();
let pending = '';
const onLine = (line) => {
  if (!line) return;
  const m = JSON.parse(line);
  if (m.release !== undefined) { pids.delete(m.release); folders.delete(m.release); return; }
  if (m.pid) pids.set(m.id, m.pid);
  if (m.folder) folders.set(m.id, m.folder);
};
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  const lines = pending.split('\\n');
  pending = lines.pop();
  lines.forEach(onLine);
});
const alive = (pid) => {
  try { process.kill(pid, 0); } catch (e) { return e.code === 'EPERM'; }
  try { return !/^\\d+ \\(.*\\) Z/.test(readFileSync('/proc/' + pid + '/stat', 'utf8')); } catch { return true; }
};
const signal = (pid, name) => { try { process.kill(pid, name); } catch {} };
let cleaning = false;
const cleanUp = async () => {
  if (cleaning) return;
  cleaning = true;
  const left = [...pids.values()];
  left.forEach((pid) => signal(pid, 'SIGTERM'));
  for (let i = 0; i < 30 && left.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
  left.filter(alive).forEach((pid) => signal(pid, 'SIGKILL'));
  for (let i = 0; i < 20 && left.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
  for (const folder of folders.values()) { try { rmSync(folder, { recursive: true, force: true }); } catch {} }
  process.exit(0);
};
process.stdin.on('end', cleanUp);
process.stdin.on('error', cleanUp);
process.on('SIGINT', () => {});
`;

let watchdog: ChildProcess | undefined;
let nextId = 0;

function send(message: Record<string, unknown>): void {
  if (!watchdog) {
    // Detached: its own process group, so a Ctrl-C in the terminal (or a signal sent to this
    // process's group) does not end it before it has done its work.
    watchdog = spawn(process.execPath, ['-e', WATCHDOG], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
      env: { PATH: process.env.PATH ?? '' },
    });
    watchdog.unref();
    watchdog.stdin?.on('error', () => {});
    (watchdog.stdin as unknown as { unref(): void }).unref();
  }
  watchdog.stdin?.write(`${JSON.stringify(message)}\n`);
}

/**
 * Has the watchdog stop `child` and remove `folder` if this process ends before it has done so
 * itself. Returns the release: call it once the child is stopped and the folder removed.
 */
export function guard({ child, folder }: { child?: ChildProcess; folder?: string }): () => void {
  const id = nextId++;
  send({ id, pid: child?.pid, folder });
  let released = false;
  return () => {
    if (released) return;
    released = true;
    send({ release: id });
  };
}

/** Stops a server this process started: SIGTERM, then SIGKILL if it is still up after `graceMs`. */
async function stopChild(child: ChildProcess, exited: Promise<void>, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const stopped = await Promise.race([
    exited.then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), graceMs).unref()),
  ]);
  if (!stopped) {
    child.kill('SIGKILL');
    await exited;
  }
}

/** A server this process started: its recent output, and its stop. */
export interface StartedServer {
  /** The last 4,000 characters it wrote (to stderr only, with `stderrOnly`). */
  output(): string;
  /** Stops it (SIGTERM, then SIGKILL), removes its folder, and releases the watchdog's guard. */
  stop(): Promise<void>;
}

/**
 * Watches a server just spawned (detached, with piped output): its `folder` (temporary, its own)
 * is removed when it is stopped, and by the watchdog, which also stops it, if this process dies
 * first; its output is kept for the error of a failed start.
 */
export function supervise(
  child: ChildProcess,
  options: {
    folder?: string;
    /** Keep only what it writes to stderr (its stdout is read and dropped). */
    stderrOnly?: boolean;
  } = {},
): StartedServer {
  const release = guard({ child, folder: options.folder });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  if (options.stderrOnly) child.stdout?.resume();
  else child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    output: () => output,
    async stop() {
      await stopChild(child, exited);
      if (options.folder) rmSync(options.folder, { recursive: true, force: true });
      release();
    },
  };
}
