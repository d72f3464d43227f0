import { afterAll, beforeAll } from 'vitest';
import {
  buildLocalRuntime,
  descendants,
  type RuntimeProcess,
  removeLocalRuntime,
  startNpm,
  startRuntime,
} from './processes';

type Env = Record<string, string | undefined>;

/**
 * Local-runtime processes for a whole test file: the bundle is built before its tests; whatever
 * is still running after them is killed (the servers each one started end with it, by its
 * watchdog), and the bundle removed. Call it at the top level.
 */
export function useRuntimes(): {
  start: (env?: Env, args?: string[]) => Promise<RuntimeProcess>;
  /** `npm start`, as a user runs it. */
  npm: (env?: Env) => Promise<RuntimeProcess>;
} {
  const started: RuntimeProcess[] = [];
  beforeAll(buildLocalRuntime);
  afterAll(() => {
    for (const { child } of started) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      // npm's server, when a shell keeps it from being npm's child, outlives npm: kill it too.
      const servers = descendants(child.pid as number).filter((p) => p.command.includes('local/start.mjs'));
      child.kill('SIGKILL');
      for (const server of servers) process.kill(server.pid, 'SIGKILL');
    }
    removeLocalRuntime();
  });
  const track = async (starting: Promise<RuntimeProcess>) => {
    const runtime = await starting;
    started.push(runtime);
    return runtime;
  };
  return { start: (env, args) => track(startRuntime(env, args)), npm: (env) => track(startNpm(env)) };
}
