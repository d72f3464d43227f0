import { defineConfig, type Plugin } from 'vitest/config';

/** Loads .lua files as text, as esbuild's text loader does in the Lambda bundles. */
const luaAsText: Plugin = {
  name: 'lua-as-text',
  transform(code, id) {
    if (id.endsWith('.lua')) return { code: `export default ${JSON.stringify(code)};`, map: null };
  },
};

export default defineConfig({
  plugins: [luaAsText],
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Fail loudly instead of passing with a test left behind.
    allowOnly: false,
    passWithNoTests: false,
  },
});
