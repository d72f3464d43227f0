import { afterAll, beforeAll } from 'vitest';
import { buildLocalRuntime, type RuntimeProcess, removeLocalRuntime, startRuntime } from './processes';

/**
 * Local-runtime processes for a whole test file: the bundle is built before its tests; whatever
 * is still running after them is killed, and the bundle removed. Call it at the top level.
 */
export function useRuntimes(): {
  start: (env?: Record<string, string>, args?: string[]) => Promise<RuntimeProcess>;
} {
  const started: RuntimeProcess[] = [];
  beforeAll(buildLocalRuntime);
  afterAll(() => {
    for (const { child } of started) if (child.exitCode === null) child.kill('SIGKILL');
    removeLocalRuntime();
  });
  return {
    start: async (env, args) => {
      const runtime = await startRuntime(env, args);
      started.push(runtime);
      return runtime;
    },
  };
}
