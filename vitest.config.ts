import { defineConfig, type Plugin } from 'vitest/config';

/** Loads .lua files as text, as esbuild's text loader does in the Lambda bundles. */
const luaAsText: Plugin = {
  name: 'lua-as-text',
  transform(code, id) {
    if (id.endsWith('.lua')) return { code: `export default ${JSON.stringify(code)};`, map: null };
  },
};

/**
 * The suites that run again on a Redis Cluster: every script and Redis path of the engine (api,
 * drain, lifecycle, loss), several processes on one cluster (load, concurrency), identity. The
 * crash, bad-input and drain-loop suites take the same Redis paths and run on the single node.
 */
const ON_CLUSTER_TOO = [
  'test/api.test.ts',
  'test/concurrency.test.ts',
  'test/drain.test.ts',
  'test/identity.test.ts',
  'test/load.test.ts',
  'test/cluster.test.ts',
  'test/redis-loss.test.ts',
  'test/lifecycle.test.ts',
];

export default defineConfig({
  plugins: [luaAsText],
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most files wait on servers (Redis, DynamoDB Local, processes of their own), not on this
    // process's CPU: vitest's default (one worker fewer than the cores) leaves a 2-core machine
    // running them one at a time.
    maxWorkers: 3,
    // Fail loudly instead of passing with a test left behind.
    allowOnly: false,
    passWithNoTests: false,
    projects: [
      {
        extends: true,
        test: { name: 'redis', include: ['test/**/*.test.ts'], exclude: ['test/cluster.test.ts'] },
      },
      // Three masters made by redis-cli --cluster create, and the Cluster client (REDIS_CLUSTER=true).
      { extends: true, test: { name: 'cluster', include: ON_CLUSTER_TOO } },
    ],
  },
});
