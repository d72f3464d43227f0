// `npm run bench [-- name ...] [--quick] [--profile]`: runs the benchmarks (all by default), each in a
// process of its own (handler modules keep their clients for the life of a process, as on
// Lambda), and writes each one's figures to bench/results/<name>.json. Not part of `npm test`.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { benchColdStart } from './cold-start';
import { benchDrain } from './drain';
import { benchFlashSale } from './flash-sale';
import { benchRequestHttp } from './request-http';
import { benchRequestInProcess } from './request-inprocess';
import { benchScaling } from './scaling';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { quick: { type: 'boolean' }, child: { type: 'boolean' }, profile: { type: 'boolean' } },
});
const quick = values.quick === true;
/** cold-start: also CPU profiles of each function's init, summed by part (bench/init-profile.ts). */
const profile = values.profile === true;

const BENCHMARKS: Record<string, () => Promise<unknown>> = {
  'request-inprocess': () => benchRequestInProcess(quick ? 30_000 : 200_000),
  'request-http': () => benchRequestHttp(quick ? 3 : 10),
  drain: () => (quick ? benchDrain(5_000, 1) : benchDrain()),
  'flash-sale': () => (quick ? benchFlashSale(20_000, 2_000) : benchFlashSale()),
  scaling: () => benchScaling(quick),
  'cold-start': () => (quick ? benchColdStart(3, 10, { profile }) : benchColdStart(7, 20, { profile })),
};

const names = positionals.length > 0 ? positionals : Object.keys(BENCHMARKS);
const unknown = names.filter((name) => !BENCHMARKS[name]);
if (unknown.length > 0) {
  console.error(`No benchmark ${unknown.join(', ')}. Known: ${Object.keys(BENCHMARKS).join(', ')}`);
  process.exit(2);
}
if (values.child) {
  try {
    await BENCHMARKS[names[0] as string]?.();
  } catch (error) {
    console.error(error);
    process.exit(2);
  }
  // 1 when a target was missed (lib.ts reportVerdicts), 0 when all were met.
  process.exit(process.exitCode ?? 0);
}
const failed: string[] = [];
for (const name of names) {
  const args = [
    process.argv[1] as string,
    name,
    '--child',
    ...(quick ? ['--quick'] : []),
    ...(profile ? ['--profile'] : []),
  ];
  const { status } = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (status === 1) failed.push(`${name}: a target missed`);
  else if (status !== 0) failed.push(`${name}: failed (exit ${status})`);
}
console.log(failed.length === 0 ? '\nEvery target met.' : `\n${failed.join('\n')}`);
process.exit(failed.length === 0 ? 0 : 1);
