// Where a function's init goes: a V8 CPU profile of a bundle's import (`node --cpu-prof`, taken by
// `npm run bench -- cold-start --profile`), its self time summed by what the code is: a package of
// node_modules, a folder of this project (through the bundle's source maps), Node's loading and
// compiling of modules, its built-ins, the garbage collector.

import { readFileSync } from 'node:fs';
import { sourceMapOf } from '#commons/stack-traces';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time (ms) of each part of the code, largest first, and their total. */
export interface InitProfile {
  totalMs: number;
  parts: { part: string; ms: number }[];
}

/** What a sampled frame belongs to. */
function partOf({ functionName, url, lineNumber, columnNumber }: ProfileNode['callFrame']): string {
  if (!url) {
    if (functionName === '(garbage collector)') return 'garbage collector';
    if (functionName === '(program)') return 'V8 and Node, native (program)';
    return `native: ${functionName || '(anonymous)'}`;
  }
  if (url.startsWith('node:internal/modules/')) return 'Node: resolving, reading, compiling modules';
  if (url.startsWith('node:')) return 'Node: built-in modules';
  if (!url.startsWith('file:')) return url;
  if (url.endsWith('/lambda-runner.mjs')) return 'the runner';
  const entry = sourceMapOf(url)?.findEntry(lineNumber, columnNumber);
  const source = entry && 'originalSource' in entry ? entry.originalSource : undefined;
  if (!source) return "esbuild's module wrappers (no source)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source);
  if (pkg) return pkg[1] as string;
  return source.split('/').slice(0, -1).join('/') || source;
}

/** Sums a profile's samples by part. */
export function summarizeInitProfile(file: string): InitProfile {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const micros = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = frames.get(id);
    if (!frame || frame.functionName === '(idle)' || frame.functionName === '(root)') return;
    const part = partOf(frame);
    micros.set(part, (micros.get(part) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const parts = [...micros].map(([part, us]) => ({ part, ms: us / 1000 })).sort((a, b) => b.ms - a.ms);
  return { totalMs: parts.reduce((sum, p) => sum + p.ms, 0), parts };
}
