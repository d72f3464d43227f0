// Bundles a TypeScript entry with esbuild, the same bundler the CDK uses for the Lambdas, so that
// the Lua scripts load the same way (as text): `node local/build.mjs [entry] [outfile]`.
// Defaults: the local runtime, local/main.ts -> .local/server.mjs.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, stop } from 'esbuild';

/** Bundles `entry` to `outfile`, then ends esbuild's service process, which would idle on. */
export async function bundle(entry = 'local/main.ts', outfile = '.local/server.mjs') {
  try {
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: 'inline',
      packages: 'external',
      loader: { '.lua': 'text' },
      logLevel: 'warning',
    });
  } finally {
    await stop();
  }
  return outfile;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await bundle(process.argv[2], process.argv[3]);
}
