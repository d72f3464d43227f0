// `npm run bench [-- name ...] [--quick]`: runs the benchmarks (all by default) and writes each
// one's figures to bench/results/<name>.json. Not part of `npm test`.
import { parseArgs } from 'node:util';
import { benchDrain } from './drain';
import { benchFlashSale } from './flash-sale';
import { benchRequestHttp } from './request-http';
import { benchRequestInProcess } from './request-inprocess';
import { benchScaling } from './scaling';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { quick: { type: 'boolean' } },
});
const quick = values.quick === true;

const BENCHMARKS: Record<string, () => Promise<unknown>> = {
  'request-inprocess': () => benchRequestInProcess(quick ? 30_000 : 200_000),
  'request-http': () => benchRequestHttp(quick ? 3 : 10),
  drain: () => benchDrain(quick ? 5_000 : 20_000),
  'flash-sale': () => (quick ? benchFlashSale(20_000, 2_000) : benchFlashSale()),
  scaling: () => benchScaling(quick),
};

const names = positionals.length > 0 ? positionals : Object.keys(BENCHMARKS);
for (const name of names) {
  const bench = BENCHMARKS[name];
  if (!bench) {
    console.error(`No benchmark "${name}". Known: ${Object.keys(BENCHMARKS).join(', ')}`);
    process.exit(2);
  }
  await bench();
}
process.exit(0);
