import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { node24, runBundle } from '../bench/lambda-environment';
import { bundleEntry, ENTRY_FILE } from '../lib/constructs/bundling';

// The functions run without --enable-source-maps (it parses every map during init) and map a
// stack when one is printed (functions/commons/stack-traces.ts). A fixture bundled as a
// function's code is, run on Node.js 24 as Lambda runs it, answers the stack of its error.

const FIXTURE = 'test/support/stack-fixture.ts';
const dir = mkdtempSync(join(tmpdir(), 'stack-traces-'));
beforeAll(() => {
  bundleEntry(join(process.cwd(), FIXTURE), dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stackOf = async (env: Record<string, string> = {}) => {
  const run = await runBundle(
    node24(),
    { dir, entry: pathToFileURL(join(dir, ENTRY_FILE)).href, env: { PATH: process.env.PATH ?? '', ...env } },
    [{}],
    20_000,
  );
  return run.invocations[0]?.body ?? '';
};

describe('a stack printed by a minified bundle', () => {
  it('names the TypeScript source, line and column of each frame, and declared functions by their source names', async () => {
    const stack = await stackOf();
    const lines = stack.split('\n');
    expect(lines[0]).toBe('Error: card declined');
    // Where `throw` and the call to pay() are in the fixture, named from the project's root.
    expect(lines[1]).toMatch(/^ {4}at \w+\.pay \(test\/support\/stack-fixture\.ts:9:11\)$/);
    expect(lines[2]).toBe(`    at checkOut (${FIXTURE}:14:18)`);
    expect(lines[3]).toMatch(/^ {4}at .+ \(test\/support\/stack-fixture\.ts:20:5\)$/);
    expect(stack).not.toContain(ENTRY_FILE);
  });

  it('keeps the bundle positions when the map is missing, and still prints the stack', async () => {
    renameSync(join(dir, `${ENTRY_FILE}.map`), join(dir, 'moved.map'));
    try {
      const stack = await stackOf();
      expect(stack.split('\n')[0]).toBe('Error: card declined');
      expect(stack).toContain(`${pathToFileURL(join(dir, ENTRY_FILE)).href}:`);
      expect(stack).not.toContain('stack-fixture.ts');
    } finally {
      renameSync(join(dir, 'moved.map'), join(dir, `${ENTRY_FILE}.map`));
    }
  });

  it('leaves the mapping to Node when it is started with --enable-source-maps', async () => {
    const stack = await stackOf({ NODE_OPTIONS: '--enable-source-maps' });
    // Node resolves the source against the map's sourceRoot, "/".
    expect(stack).toContain(`at checkOut (/${FIXTURE}:14:18)`);
  });
});
