import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BuildOptions, type BuildResult, buildSync } from 'esbuild';

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..');

/** The file Lambda loads, and its export; code loaded only on demand goes to `chunks/`. */
export const ENTRY_FILE = 'index.mjs';
export const HANDLER = 'index.handler';

/**
 * How a function's code is bundled, in one place (the stack's assets, CouponFunction; the
 * cold-start benchmark measures what cdk synth bundles with it). ESM with code splitting, so that what a handler imports with
 * `import()` (a rare path's client, the X-Ray SDK) is a chunk of its own, read and compiled only
 * when first used; minified, with source maps (no sources inside) for stack traces.
 */
function bundleOptions(entryFile: string, outdir: string): BuildOptions {
  return {
    entryPoints: { index: entryFile },
    absWorkingDir: PROJECT_ROOT,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    mainFields: ['module', 'main'],
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    legalComments: 'none',
    // The AWS SDK is bundled too, so the deployed code runs the versions it was tested with.
    external: [],
    loader: { '.lua': 'text' },
    // CommonJS dependencies call require(); an ESM bundle needs one made for it.
    banner: {
      js: "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  };
}

/** Bundles functions/handlers/<handlerModule>.ts into `outdir` (synchronously, as CDK's local bundling needs). */
export function bundleHandler(handlerModule: string, outdir: string): BuildResult {
  return bundleEntry(path.join(PROJECT_ROOT, 'functions', 'handlers', `${handlerModule}.ts`), outdir);
}

/** Bundles any module exporting a handler as a function's code is (the benchmark's floors). */
export function bundleEntry(entryFile: string, outdir: string): BuildResult {
  const result = buildSync(bundleOptions(entryFile, outdir));
  sourcesFromProjectRoot(outdir);
  return result;
}

/**
 * esbuild names a map's sources relative to where it wrote the bundle: CDK's staging directory,
 * so "../../../<where the project was checked out>/functions/...". Named from the project's root
 * instead ("functions/domain/coupons.ts", "node_modules/ioredis/..."), a stack trace reads the
 * same whoever built it, and the bundle's bytes (its asset hash) do not depend on the build path.
 * `sourceRoot` "/" keeps them one path for any reader that resolves them (Node's own
 * --enable-source-maps prints /functions/...); stack-traces.ts prints them as they are.
 */
function sourcesFromProjectRoot(outdir: string): void {
  for (const file of allFiles(outdir)) {
    const mapFile = path.join(outdir, `${file}.map`);
    const map = JSON.parse(readFileSync(mapFile, 'utf8')) as { sources: string[]; sourceRoot?: string };
    // Sources are URLs relative to the map (esbuild percent-encodes what is not ASCII).
    const mapUrl = pathToFileURL(mapFile);
    map.sources = map.sources.map((source) =>
      path
        .relative(PROJECT_ROOT, fileURLToPath(new URL(source, mapUrl)))
        .split(path.sep)
        .join('/'),
    );
    map.sourceRoot = '/';
    writeFileSync(mapFile, JSON.stringify(map));
  }
}

/**
 * The files of a bundle that load before its handler is ready: the entry and the chunks it
 * imports statically, transitively; not those behind an `import()`, loaded when first used.
 */
export function staticFiles(dir: string, entry = ENTRY_FILE): string[] {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    const code = readFileSync(path.join(dir, file), 'utf8');
    // Minified static imports: import"./x.mjs" and from"./x.mjs"; a dynamic one is import("./x.mjs").
    for (const [, specifier] of code.matchAll(/(?:\bimport|\bfrom)\s*["'](\.\.?\/[^"']+\.mjs)["']/g)) {
      const target = path.posix.join(path.posix.dirname(file), specifier as string);
      if (!seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return [...seen];
}

/** Every .mjs file of a bundle, relative to its directory. */
export function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.mjs'))
    .map((file) => file.split(path.sep).join('/'));
}
