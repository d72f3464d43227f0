import { defineConfig, type Plugin } from 'vitest/config';

/** Loads .lua files as text, as esbuild's text loader does in the Lambda bundles. */
const luaAsText: Plugin = {
  name: 'lua-as-text',
  transform(code, id) {
    if (id.endsWith('.lua')) return { code: `export default ${JSON.stringify(code)};`, map: null };
  },
};

/** The suites that talk to Redis through the engine: they run again on a Redis Cluster. */
const ON_CLUSTER_TOO = [
  'test/api.test.ts',
  'test/bad-input.test.ts',
  'test/concurrency.test.ts',
  'test/drain.test.ts',
  'test/drain-loop.test.ts',
  'test/identity.test.ts',
  'test/load.test.ts',
  'test/crash.test.ts',
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
