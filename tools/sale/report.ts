import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Progress, SaleResult } from './sale';

const count = (n: number | undefined) =>
  n === undefined || Number.isNaN(n) ? '—' : Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (Number.isNaN(n) ? '—' : n < 10 ? n.toFixed(1) : String(Math.round(n)));

/** Short names for the live line. */
const SHORT: Record<string, string> = {
  QUEUED: 'queued',
  SOLD_OUT: 'sold-out',
  ALREADY_ISSUED: 'already',
  NOT_OPEN: 'not-open',
  CLOSED: 'closed',
};

/** `3.2s sending 52,000/110,000 | queued 10,000 sold-out 41,000 | 16,200/s p50 3.1 p99 12 ms | coupon queued 4,100 issued 5,900 persisted 5,500` */
export function progressLine(p: Progress): string {
  const kinds = Object.entries(p.byKind)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, n]) => `${SHORT[kind] ?? kind} ${count(n)}`)
    .join(' ');
  const coupon = p.coupon
    ? ` | coupon queued ${count(p.coupon.queued)} issued ${count(p.coupon.issued)} ` +
      (p.coupon.persisted === undefined
        ? `pending ${count(p.coupon.pending)}`
        : `persisted ${count(p.coupon.persisted)}`)
    : '';
  const traffic = p.phase === 'sending' ? ` | ${count(p.rate)}/s p50 ${ms(p.p50)} p99 ${ms(p.p99)} ms` : '';
  return (
    `${(p.elapsedMs / 1000).toFixed(1)}s ${p.phase} ${count(p.answered)}/${count(p.total)}` +
    `${kinds ? ` | ${kinds}` : ''}${traffic}${coupon}`
  );
}

/** Writes the live line in place on a terminal, or one plain line per report elsewhere. */
export function liveLine(stream: NodeJS.WriteStream = process.stdout) {
  const tty = stream.isTTY === true;
  return {
    tty,
    show(p: Progress) {
      const line = progressLine(p);
      if (tty) stream.write(`\r\x1b[2K${line.slice(0, (stream.columns || 200) - 1)}`);
      else stream.write(`${line}\n`);
    },
    end() {
      if (tty) stream.write('\n');
    },
  };
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('   '),
    )
    .join('\n');
}

const arrivalText = (r: SaleResult) =>
  r.arrival.shape === 'burst'
    ? 'all at once'
    : r.arrival.shape === 'ramp'
      ? `ramp over ${r.arrival.seconds} s`
      : `steady ${count(r.arrival.rate)}/s`;

/** The summary and the verdict, as printed at the end. */
export function summary(r: SaleResult, outFile?: string): string {
  const lines: string[] = [];
  lines.push(
    '',
    `Sale of ${r.couponId} on ${r.url}${r.created ? ' (created)' : ''}: ${count(r.users)} users, ` +
      `${count(r.repeats)} repeats, ${arrivalText(r)}, ${count(r.concurrency)} in flight` +
      `${r.jwt ? ', JWT' : ''}${r.signed ? ', admin calls signed (SigV4)' : ''}`,
    `Stock ${count(r.atStart.stock)}, available at start ${count(r.atStart.available)}`,
    '',
  );
  const answerRows = Object.entries(r.answers)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, n]) => [kind, count(n), `${((100 * n) / Math.max(r.requests, 1)).toFixed(1)}%`]);
  lines.push(
    table([['answer', 'requests', 'share'], ...answerRows, ['total', count(r.requests), '100%']]),
    '',
  );
  lines.push(
    table([
      ['latency (ms)', 'p50', 'p90', 'p99', 'p99.9', 'max'],
      [
        '',
        ms(r.latencyMs.p50),
        ms(r.latencyMs.p90),
        ms(r.latencyMs.p99),
        ms(r.latencyMs.p999),
        ms(r.latencyMs.max),
      ],
    ]),
    '',
  );
  const seconds = (s: number | undefined, otherwise: string) =>
    s === undefined ? otherwise : `${s.toFixed(2)} s`;
  lines.push(
    table([
      ['every request answered', `${r.seconds.sending.toFixed(2)} s`, `${count(r.requestRate)} requests/s`],
      ['sold out (the last admission)', seconds(r.seconds.soldOut, 'not sold out'), ''],
      ['every winner persisted', seconds(r.seconds.persisted, 'not in the time allowed'), ''],
    ]),
    '',
  );
  if (r.atEnd) {
    lines.push(
      `At the end: issued ${count(r.atEnd.issued)}, queued ${count(r.atEnd.queued)}, pending ${count(r.atEnd.pending)}` +
        `${r.atEnd.persisted === undefined ? '' : `, persisted ${count(r.atEnd.persisted)}`}` +
        `${r.atEnd.state ? `, state ${r.atEnd.state}` : ''}`,
      '',
    );
  }
  if (r.answers.THROTTLED) {
    lines.push(
      `${count(r.answers.THROTTLED)} requests were throttled (429) before reaching the API: raise the stage throttle (-c throttleRate=...) or lower --concurrency.`,
      '',
    );
  }
  lines.push('Checks:');
  for (const c of r.checks) {
    lines.push(`  ${c.passed ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}`);
    for (const example of c.examples) lines.push(`          ${example}`);
  }
  lines.push('', `Verdict: ${r.passed ? 'PASS' : 'FAIL'}${outFile ? ` (figures in ${outFile})` : ''}`);
  return lines.join('\n');
}

export function writeJson(file: string, result: SaleResult): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
}
