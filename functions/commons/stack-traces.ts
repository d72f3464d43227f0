import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

// Stack traces of a minified bundle, mapped back to its TypeScript sources only when one is
// printed. Node's --enable-source-maps reads and parses every loaded file's source map while the
// module loads: about 12 ms of each cold start of a function (15% of the request function's import,
// measured with the cold-start benchmark's bundles on Node.js 24), paid for stacks that a healthy
// container never prints. Here a file's map is read the first time a stack has a frame in it.
// Built on Node's own SourceMap (node:module), and mapped as --enable-source-maps maps.

const maps = new Map<string, SourceMap | null>();

/**
 * The source map beside a bundle file (a file URL), or null when it has none: read once, then
 * kept for the container.
 */
export function sourceMapOf(fileName: string): SourceMap | null {
  const known = maps.get(fileName);
  if (known !== undefined) return known;
  if (!fileName.startsWith('file://')) return null; // node:internal/..., or no file at all
  try {
    const map = new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(fileName)}.map`, 'utf8')));
    maps.set(fileName, map);
    return map;
  } catch (error) {
    // No map beside it (not a bundle file, or deployed without one): its frames stay as they
    // are. Another failure (too many open files) is tried again with the next stack.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') maps.set(fileName, null);
    return null;
  }
}

/** The source position of a 1-based position in the bundle, as Node reports it. */
function sourceAt(map: SourceMap, line: number | null, column: number | null) {
  if (line === null || column === null) return undefined;
  const entry = map.findEntry(line - 1, column - 1);
  return 'originalSource' in entry ? (entry as typeof entry & { name?: string }) : undefined;
}

/** One frame as V8 prints it, with the bundle's position replaced by the source's. */
function frame(site: NodeJS.CallSite, caller: NodeJS.CallSite | undefined): string {
  const fileName = site.getFileName();
  const map = fileName ? sourceMapOf(fileName) : null;
  const source = map && sourceAt(map, site.getLineNumber(), site.getColumnNumber());
  if (!map || !source) return String(site);
  const name = originalName(map, site, caller) || site.getFunctionName();
  const location = `${source.originalSource}:${source.originalLine + 1}:${source.originalColumn + 1}`;
  const prefix = site.isAsync() ? 'async ' : site.isConstructor() ? 'new ' : '';
  if (!name && site.isToplevel()) return `${prefix}${location}`; // a module's own code
  const typeName = site.isToplevel() ? null : site.getTypeName();
  const qualified = `${typeName && typeName !== 'global' ? `${typeName}.` : ''}${name || '<anonymous>'}`;
  return `${prefix}${qualified} (${location})`;
}

/**
 * The function's name in the source (minified, a declared function's is a letter), found as Node
 * finds it: where the function is declared, else where its caller, in the same file, called it.
 */
function originalName(map: SourceMap, site: NodeJS.CallSite, caller: NodeJS.CallSite | undefined) {
  const declared = sourceAt(map, site.getEnclosingLineNumber(), site.getEnclosingColumnNumber())?.name;
  if (declared || !caller || caller.getFileName() !== site.getFileName()) return declared;
  return sourceAt(map, caller.getLineNumber(), caller.getColumnNumber())?.name;
}

/** The first line, as V8 writes it: "Name: message" (for any object, as Error's toString does). */
function header(error: unknown): string {
  try {
    return error instanceof Error ? String(error) : Error.prototype.toString.call(error);
  } catch {
    return 'Error';
  }
}

/** A stack in V8's format, each frame in a mapped file given its source's position. */
function mappedStack(error: unknown, sites: NodeJS.CallSite[]): string {
  const frames = sites.map((site, i) => {
    try {
      return `\n    at ${frame(site, sites[i + 1])}`;
    } catch {
      return `\n    at ${site}`;
    }
  });
  return header(error) + frames.join('');
}

/** V8 gives eval'd and native frames no file name (undefined, whatever the types say). */
const inMappedFile = (site: NodeJS.CallSite) => {
  const fileName = site.getFileName();
  return !!fileName && sourceMapOf(fileName) !== null;
};

let installed = false;

/**
 * Maps the stacks of a bundle's files lazily, unless Node already maps them (--enable-source-maps,
 * tsx). A stack with no frame in a mapped file is left to the formatter in place before (Node's
 * own, or a test runner's).
 */
export function mapStackTracesLazily(): void {
  if (installed || process.sourceMapsEnabled) return;
  installed = true;
  const before = Error.prepareStackTrace;
  Error.prepareStackTrace = (error, sites) =>
    before === undefined || sites.some(inMappedFile) ? mappedStack(error, sites) : before(error, sites);
}
