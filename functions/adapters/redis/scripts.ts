// Every Lua script, declared once: its keys (from couponKeys, so their number is never written
// twice), its arguments and a decoder that maps each reply the script can give and throws on
// anything else, so a new reply is a failing test, never a silent wrong answer.

import {
  type Admission,
  COUPON_STATES,
  type CouponPhase,
  type CouponState,
  FINISH_REASONS,
  type FinishReason,
  type RequestStatus,
} from '#domain/model';
import type { HolderUnknown, Unanswered } from '#domain/ports';
import type { CouponKeys } from './keys';
import admitLua from './lua/admit.lua';
import claimLua from './lua/claim.lua';
import preludeLua from './lua/coupon.lua';
import finishLua from './lua/finish.lua';
import holdersLua from './lua/holders.lua';
import reclaimLua from './lua/reclaim.lua';
import restoreLua from './lua/restore.lua';
import settleLua from './lua/settle.lua';
import snapshotLua from './lua/snapshot.lua';
import statusLua from './lua/status.lua';
import syncLua from './lua/sync.lua';

export type Reply = (string | number | null)[];

/** A reply a script is not declared to give: a bug in the script or in its declaration. */
export class UnexpectedReply extends Error {
  constructor(script: string, reply: unknown) {
    super(`Script ${script} gave a reply it is not declared to give: ${JSON.stringify(reply)}`);
    this.name = 'UnexpectedReply';
  }
}

interface Declaration<A extends unknown[], R> {
  lua: string;
  keys: (k: CouponKeys) => string[];
  args: (...args: A) => (string | number)[];
  decode: (reply: Reply, fail: () => never) => R;
}

function declare<A extends unknown[], R>(d: Declaration<A, R>): Declaration<A, R> {
  return { ...d, lua: `${preludeLua}\n${d.lua}` };
}

const num = (value: string | number | null | undefined): number => Number(value);
const iso = (epochMs: string | number | null | undefined) => new Date(Number(epochMs)).toISOString();
const optionalIso = (epochMs: string | number | null | undefined) =>
  Number(epochMs) > 0 ? iso(epochMs) : undefined;
const STATES = new Set<string>(COUPON_STATES);
const REASONS = new Set<string>(FINISH_REASONS);

function state(value: unknown, fail: () => never): CouponState {
  return STATES.has(String(value)) ? (value as CouponState) : fail();
}
function reason(value: unknown, fail: () => never): FinishReason {
  return REASONS.has(String(value)) ? (value as FinishReason) : fail();
}
function phase(reply: Reply, at: number, fail: () => never): CouponPhase {
  return {
    state: state(reply[at], fail),
    opensAt: optionalIso(reply[at + 1]),
    closesAt: optionalIso(reply[at + 2]),
    now: iso(reply[at + 3]),
  };
}

/** userId, issuedAt (ms) pairs from `from` on. */
function pairs(reply: Reply, from: number): { userId: string; issuedAt: string }[] {
  const result: { userId: string; issuedAt: string }[] = [];
  for (let i = from; i + 1 < reply.length; i += 2) {
    result.push({ userId: String(reply[i]), issuedAt: iso(reply[i + 1]) });
  }
  return result;
}

export const COUPON_SCRIPTS = {
  couponAdmit: declare({
    lua: admitLua,
    keys: (k) => [k.state, k.queue, k.issued, k.sentinel],
    args: (userId: string) => [userId],
    decode: (r, fail): Admission | HolderUnknown | Unanswered => {
      switch (r[0]) {
        case 'QUEUED':
          return { status: 'QUEUED', position: num(r[1]) };
        case 'ALREADY_ISSUED':
        case 'SOLD_OUT':
        case 'CLOSED':
          return { status: r[0] };
        case 'NOT_OPEN':
          return { status: 'NOT_OPEN', opensAt: iso(r[1]), now: iso(r[2]) };
        case 'FINISHED':
          return { status: 'HOLDER_UNKNOWN', reason: reason(r[1], fail) };
        case 'UNKNOWN':
        case 'LOST':
        case 'RESTORING':
          return r[0];
        default:
          return fail();
      }
    },
  }),

  couponStatus: declare({
    lua: statusLua,
    keys: (k) => [k.state, k.queue, k.issued, k.sentinel],
    args: (userId: string) => [userId],
    decode: (r, fail): RequestStatus | (HolderUnknown & CouponPhase) | Unanswered => {
      switch (r[0]) {
        case 'UNKNOWN':
        case 'LOST':
        case 'RESTORING':
          return r[0];
        case 'QUEUED':
          return { status: 'QUEUED', position: num(r[1]), ...phase(r, 2, fail) };
        case 'ISSUED':
          return { status: 'ISSUED', issuedAt: iso(r[1]), ...phase(r, 2, fail) };
        case 'NOT_REQUESTED':
        case 'NOT_OPEN':
        case 'SOLD_OUT':
        case 'CLOSED':
          return { status: r[0], ...phase(r, 2, fail) };
        case 'FINISHED':
          return { status: 'HOLDER_UNKNOWN', reason: reason(r[1], fail), ...phase(r, 2, fail) };
        default:
          return fail();
      }
    },
  }),

  couponSnapshot: declare({
    lua: snapshotLua,
    keys: (k) => [k.state, k.queue, k.issued, k.pending, k.sentinel],
    args: () => [],
    decode: (r, fail) => {
      switch (r[0]) {
        case 'UNKNOWN':
        case 'LOST':
          return r[0];
        case 'COUPON': {
          const [, st, gen, total, left, available, queued, issued, pending, oldestQueued, oldestPending] = r;
          return {
            state: state(st, fail),
            generation: num(gen),
            total: num(total),
            stockLeft: num(left),
            available: num(available),
            queued: num(queued),
            issued: num(issued),
            pending: num(pending),
            oldestQueuedAt: num(oldestQueued) > 0 ? Math.floor(num(oldestQueued) / 1000) : undefined,
            oldestPendingAt: num(oldestPending) > 0 ? num(oldestPending) : undefined,
            opensAt: optionalIso(r[11]),
            closesAt: optionalIso(r[12]),
            now: iso(r[13]),
            restoring: num(r[14]) === 1,
            finished: r[15] ? reason(r[15], fail) : undefined,
            version: num(r[17]),
          };
        }
        default:
          return fail();
      }
    },
  }),

  couponClaim: declare({
    lua: claimLua,
    keys: (k) => [k.state, k.queue, k.issued, k.pending],
    args: (max: number) => [max],
    decode: (r, fail) => {
      switch (r[0]) {
        case 'MISSING':
        case 'RESTORING':
          return r[0];
        case 'CLAIMED':
          return {
            generation: num(r[1]),
            issuedAt: iso(r[2]),
            stockLeft: num(r[3]),
            queuedLeft: num(r[4]),
            skipped: num(r[5]),
            soldOut: num(r[6]),
            userIds: r.slice(7).map(String),
          };
        default:
          return fail();
      }
    },
  }),

  couponReclaim: declare({
    lua: reclaimLua,
    keys: (k) => [k.state, k.pending, k.issued],
    args: (timeoutMs: number, max: number) => [timeoutMs, max],
    decode: (r, fail) => {
      switch (r[0]) {
        case 'MISSING':
          return r[0];
        case 'RECLAIMED':
          return { generation: num(r[1]), claims: pairs(r, 2) };
        default:
          return fail();
      }
    },
  }),

  couponSettle: declare({
    lua: settleLua,
    keys: (k) => [k.state, k.pending, k.issued],
    args: (
      generation: number,
      persisted: string[],
      heldBefore: { userId: string; issuedAtMs: number }[],
      refused: string[],
    ) => [
      generation,
      persisted.length,
      heldBefore.length,
      refused.length,
      ...persisted,
      ...heldBefore.flatMap((h) => [h.userId, h.issuedAtMs]),
      ...refused,
    ],
    decode: (r, fail) => (r[0] === 'SETTLED' ? undefined : fail()),
  }),

  couponRestore: declare({
    lua: restoreLua,
    keys: (k) => [k.state, k.queue, k.issued, k.pending],
    args: (
      generation: number,
      total: number,
      left: number,
      opensAt: number,
      closesAt: number,
      loadHolders: boolean,
      finished: FinishReason | '',
      expiresAt: number,
      version: number,
    ) => [generation, total, left, opensAt, closesAt, loadHolders ? 1 : 0, finished, expiresAt, version],
    decode: (r, fail) => {
      switch (r[0]) {
        case 'CREATED':
        case 'ADOPTED':
        case 'CURRENT':
          return r[0];
        default:
          return fail();
      }
    },
  }),

  couponHolders: declare({
    lua: holdersLua,
    keys: (k) => [k.state, k.issued],
    args: (
      generation: number,
      last: boolean,
      cursor: string,
      holders: { userId: string; issuedAtMs: number }[],
    ) => [generation, last ? 1 : 0, cursor, ...holders.flatMap((h) => [h.userId, h.issuedAtMs])],
    decode: (r, fail) => {
      switch (r[0]) {
        case 'LOADED':
          return true;
        case 'STALE':
          return false;
        default:
          return fail();
      }
    },
  }),

  couponSync: declare({
    lua: syncLua,
    keys: (k) => [k.state, k.queue, k.issued, k.pending],
    args: (generation: number, total: number, opensAt: number, closesAt: number, version: number) => [
      generation,
      total,
      opensAt,
      closesAt,
      version,
    ],
    decode: (r, fail) => {
      switch (r[0]) {
        case 'MISSING':
          return 'MISSING' as const;
        case 'SYNCED':
          return num(r[1]) === 1;
        default:
          return fail();
      }
    },
  }),

  couponFinish: declare({
    lua: finishLua,
    keys: (k) => [k.state, k.queue, k.issued, k.pending],
    args: (graceMs: number) => [graceMs],
    decode: (r, fail) => {
      switch (r[0]) {
        case 'FINISHED':
          return { reason: reason(r[1], fail), version: num(r[2]), generation: num(r[3]) };
        case 'NOT_DONE':
        case 'MISSING':
          return undefined;
        default:
          return fail();
      }
    },
  }),
} as const;

export type CouponScripts = typeof COUPON_SCRIPTS;
export type ScriptName = keyof CouponScripts;
export type ScriptArgs<N extends ScriptName> = Parameters<CouponScripts[N]['args']>;
export type ScriptResult<N extends ScriptName> = ReturnType<CouponScripts[N]['decode']>;

/** ioredis's `scripts` option: each script with its number of keys, taken from its key list. */
export function ioredisScripts(): Record<string, { lua: string; numberOfKeys: number }> {
  // Only the number of keys matters here: placeholders, since a real sentinel key needs a search
  // for its slot's tag that a function's init need not pay for.
  const sample: CouponKeys = { state: '', queue: '', issued: '', pending: '', sentinel: '' };
  return Object.fromEntries(
    Object.entries(COUPON_SCRIPTS).map(([name, script]) => [
      name,
      { lua: script.lua, numberOfKeys: script.keys(sample).length },
    ]),
  );
}
