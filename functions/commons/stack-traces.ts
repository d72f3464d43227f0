import { SourceMap } from 'node:module';

// Stack traces of a minified bundle, mapped back to its TypeScript sources only when one is
// printed. Node's --enable-source-maps reads and parses every loaded file's source map while the
// module loads: about 12 ms of each cold start of a function (15% of the request function's import,
// measured with the cold-start benchmark's bundles on Node.js 24), paid for stacks that a healthy
// container never prints. Here a file's map is read the first time a stack has a frame in it.
// Built on Node's own SourceMap (node:module), the parser --enable-source-maps uses.

/** A map per bundle file, or null when it has none (read once, then kept for the container). */
const maps = new Map<string, SourceMap | null>();

function mapOf(fileName: string): SourceMap | null {
  let map = maps.get(fileName);
  if (map === undefined) {
    map = null;
    try {
      if (fileName.startsWith('file://')) {
        // Built-ins taken here, not imported: nothing of this runs during init.
        const { readFileSync } = process.getBuiltinModule('node:fs');
        const { fileURLToPath } = process.getBuiltinModule('node:url');
        map = new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(fileName)}.map`, 'utf8')));
      }
    } catch {
      // No map beside it (not a bundle file, or deployed without one): the frame stays as it is.
    }
    maps.set(fileName, map);
  }
  return map;
}

/** One frame as V8 prints it, with the bundle's position replaced by the source's. */
function frame(site: NodeJS.CallSite, caller: NodeJS.CallSite | undefined): string {
  const fileName = site.getFileName();
  const line = site.getLineNumber();
  const column = site.getColumnNumber();
  const map = fileName && line !== null && column !== null ? mapOf(fileName) : null;
  const origin = map?.findOrigin(line as number, column as number);
  if (!map || !origin || !('fileName' in origin)) return String(site);
  const name = originalName(map, site, caller) || site.getFunctionName();
  const location = `${origin.fileName}:${origin.lineNumber}:${origin.columnNumber}`;
  if (!name && site.isToplevel()) return location; // a module's own code
  const typeName = site.isToplevel() ? null : site.getTypeName();
  const qualified = `${typeName && typeName !== 'global' ? `${typeName}.` : ''}${name || '<anonymous>'}`;
  const prefix = site.isAsync() ? 'async ' : site.isConstructor() ? 'new ' : '';
  return `${prefix}${qualified} (${location})`;
}

/**
 * The function's name in the source (minified, it is a letter), found as Node finds it: where
 * the function is declared, else where its caller, in the same file, called it.
 */
function originalName(map: SourceMap, site: NodeJS.CallSite, caller: NodeJS.CallSite | undefined) {
  const nameAt = (line: number | null, column: number | null) => {
    const origin = line !== null && column !== null ? map.findOrigin(line, column) : {};
    return 'name' in origin ? origin.name : undefined;
  };
  const declared = nameAt(site.getEnclosingLineNumber(), site.getEnclosingColumnNumber());
  if (declared || !caller || caller.getFileName() !== site.getFileName()) return declared;
  return nameAt(caller.getLineNumber(), caller.getColumnNumber());
}

function header(error: unknown): string {
  try {
    return String(error);
  } catch {
    return '<error>';
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

const inMappedFile = (site: NodeJS.CallSite) => {
  const fileName = site.getFileName();
  return fileName !== null && mapOf(fileName) !== null;
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
