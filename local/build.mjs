// Bundles the local runtime with esbuild, the same bundler the CDK uses for the Lambdas, so that
// the Lua scripts load the same way (as text). Output: .local/server.mjs, or the path given.
import { build } from 'esbuild';

await build({
  entryPoints: ['local/main.ts'],
  outfile: process.argv[2] ?? '.local/server.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'inline',
  packages: 'external',
  loader: { '.lua': 'text' },
  logLevel: 'warning',
});
