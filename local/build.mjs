// Bundles a TypeScript entry with esbuild, the same bundler the CDK uses for the Lambdas, so that
// the Lua scripts load the same way (as text): `node local/build.mjs [entry] [outfile]`.
// Defaults: the local runtime, local/main.ts -> .local/server.mjs.
import { build } from 'esbuild';

await build({
  entryPoints: [process.argv[2] ?? 'local/main.ts'],
  outfile: process.argv[3] ?? '.local/server.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'inline',
  packages: 'external',
  loader: { '.lua': 'text' },
  logLevel: 'warning',
});
