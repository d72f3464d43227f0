import { type ApiAnswer, ApiClient, describeAnswer } from '../api-client';
import { signerFor } from '../aws-signing';
import { percentile } from '../percentile';
import { type Arrival, crowdOrder, repeatCount, sendAll } from './crowd';
import type { TokenUser } from './tokens';
import { type Check, type CouponCounters, type CrowdAnswers, type SaleUser, verifySale } from './verify';

export interface SaleSettings {
  /** `npm start`'s URL or a stack's ApiUrl. */
  url: string;
  /** An existing coupon to sell, or the id of the one to create. @default a new `sale-...` */
  couponId?: string;
  name: string;
  /** The stock of a coupon created here. */
  stock: number;
  /** Distinct users (with tokens: at most one per token). */
  users: number;
  /** Share of all requests that are repeats, from 0 to 0.9. */
  repeatShare: number;
  arrival: Arrival;
  /** Requests in flight at most. */
  concurrency: number;
  /** Users are `${userPrefix}${n}` (without tokens). */
  userPrefix: string;
  /** A JWT stack's shoppers, one per user. */
  tokens?: TokenUser[];
  /** Sign admin calls for this region (an AWS endpoint's is found from its URL). */
  region?: string;
  timeoutMs: number;
  /** How long to wait, after the last answer, for every winner to be persisted. */
  settleSeconds: number;
}

export type SalePhase = 'sending' | 'settling' | 'verifying';

/** What the simulator knows at one moment, for the live line. */
export interface Progress {
  phase: SalePhase;
  elapsedMs: number;
  total: number;
  sent: number;
  answered: number;
  byKind: Record<string, number>;
  /** Answers a second since the last progress report. */
  rate: number;
  /** Latency percentiles of the answers since the last progress report, ms. */
  p50: number;
  p99: number;
  coupon?: CouponCounters;
}

export interface TimelinePoint {
  seconds: number;
  sent: number;
  answered: number;
  queued: number;
  issued: number;
  persisted?: number;
  pending: number;
}

export interface SaleResult {
  url: string;
  couponId: string;
  created: boolean;
  startedAt: string;
  users: number;
  requests: number;
  repeats: number;
  arrival: Arrival;
  concurrency: number;
  jwt: boolean;
  signed: boolean;
  atStart: CouponCounters;
  atEnd?: CouponCounters;
  answers: Record<string, number>;
  /** Distinct users told QUEUED or ALREADY_ISSUED. */
  winners: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number };
  requestRate: number;
  seconds: {
    /** From the first request sent to the last answer. */
    sending: number;
    /** When the last admission was answered (a user's first QUEUED), if the stock ran out. */
    soldOut?: number;
    /** When the queue was empty and nothing pending, if it happened in time. */
    persisted?: number;
  };
  checks: Check[];
  passed: boolean;
  timeline: TimelinePoint[];
}

/** The sale could not be run (the API unreachable, a coupon not created...): nothing was checked. */
export class SaleError extends Error {}

const WATCH_MS = 500;

/** A coupon's counters from `GET /coupons/{couponId}`, or undefined if it did not answer them. */
function countersOf(answer: ApiAnswer): CouponCounters | undefined {
  const b = answer.body;
  if (answer.status !== 200 || typeof b.issued !== 'number') return undefined;
  const n = (value: unknown) => (typeof value === 'number' ? value : 0);
  return {
    stock: n(b.stock),
    available: n(b.available),
    queued: n(b.queued),
    issued: n(b.issued),
    pending: n(b.pending),
    ...(typeof b.persisted === 'number' ? { persisted: b.persisted } : {}),
    ...(typeof b.state === 'string' ? { state: b.state } : {}),
  };
}

/** Everything persisted: nobody waits, nothing pending, and the ledger (where reported) holds every winner. */
const drained = (c: CouponCounters) =>
  c.queued === 0 && c.pending === 0 && (c.persisted === undefined || c.persisted >= c.issued);

/** The kind of an answer to `POST .../requests`: its status, its error code, or what HTTP said. */
function kindOf(answer: ApiAnswer): string {
  if (answer.status === 0) return answer.error ?? 'NO_ANSWER';
  const { status, error } = answer.body;
  if (typeof status === 'string') return status;
  if (typeof error === 'string') return error;
  return answer.status === 429 ? 'THROTTLED' : `HTTP_${answer.status}`;
}

/**
 * Plays a flash sale against a deployment of the API: opens (or finds) a coupon, sends the crowd,
 * waits for the drain, and checks every answer against the final state.
 */
export async function runSale(
  settings: SaleSettings,
  hooks: {
    onProgress?: (progress: Progress) => void;
    /** Awaited as each phase starts. */
    onPhase?: (phase: SalePhase) => void | Promise<void>;
    progressMs?: number;
  } = {},
): Promise<SaleResult> {
  const signer = signerFor(new URL(settings.url), settings.region);
  const crowd = new ApiClient(settings.url, {
    connections: settings.concurrency,
    signer,
    timeoutMs: settings.timeoutMs,
  });
  // The counters are read on connections of their own, so that they never wait behind the crowd.
  const admin = new ApiClient(settings.url, { connections: 2, signer, timeoutMs: settings.timeoutMs });
  try {
    return await sale(settings, crowd, admin, signer !== undefined, hooks);
  } finally {
    await Promise.all([crowd.close(), admin.close()]);
  }
}

async function sale(
  settings: SaleSettings,
  crowd: ApiClient,
  admin: ApiClient,
  signed: boolean,
  hooks: Parameters<typeof runSale>[1] & object,
): Promise<SaleResult> {
  const couponId = settings.couponId ?? `sale-${Date.now().toString(36)}`;
  const couponPath = `/coupons/${encodeURIComponent(couponId)}`;

  // The coupon: an existing one, or a new one.
  let created = false;
  let view = await admin.call('GET', couponPath, { admin: true });
  if (view.status === 404) {
    const answer = await admin.call('POST', '/coupons', {
      admin: true,
      body: { couponId, name: settings.name, stock: settings.stock },
    });
    if (answer.status !== 201 && answer.status !== 409)
      throw new SaleError(`Could not create coupon ${couponId}: ${describeAnswer(answer)}`);
    created = answer.status === 201;
    view = await admin.call('GET', couponPath, { admin: true });
  }
  const atStart = countersOf(view);
  if (!atStart) throw new SaleError(`Could not read coupon ${couponId}: ${describeAnswer(view)}`);

  const users: SaleUser[] = settings.tokens
    ? settings.tokens.slice(0, settings.users).map(({ token, userId }) => ({ token, userId }))
    : Array.from({ length: settings.users }, (_, n) => ({ userId: `${settings.userPrefix}${n}` }));
  const order = crowdOrder(users.length, repeatCount(users.length, settings.repeatShare));
  const total = order.length;
  const answers: CrowdAnswers = {
    who: order,
    sentAt: new Float64Array(total),
    receivedAt: new Float64Array(total),
    status: new Int16Array(total),
    kind: new Uint8Array(total),
    kindNames: [],
  };
  const kindIndex = new Map<string, number>();
  const byKind: Record<string, number> = {};
  const indexOfKind = (kind: string): number => {
    let index = kindIndex.get(kind);
    if (index === undefined) {
      if (answers.kindNames.length === 255) return indexOfKind('OTHER');
      index = answers.kindNames.push(kind) - 1;
      kindIndex.set(kind, index);
    }
    return index;
  };

  const startedAt = new Date();
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  let phase: SalePhase = 'sending';
  let sent = 0;
  let answered = 0;
  let latest: CouponCounters | undefined = atStart;
  const timeline: TimelinePoint[] = [];

  // The coupon's counters, twice a second, for the live line and the timeline.
  let watching = false;
  const watch = async () => {
    if (watching) return;
    watching = true;
    try {
      const counters = countersOf(await admin.call('GET', couponPath, { admin: true }));
      if (counters) {
        latest = counters;
        timeline.push({
          seconds: Number((now() / 1000).toFixed(2)),
          sent,
          answered,
          queued: counters.queued,
          issued: counters.issued,
          ...(counters.persisted === undefined ? {} : { persisted: counters.persisted }),
          pending: counters.pending,
        });
      }
    } finally {
      watching = false;
    }
  };
  const watcher = setInterval(() => void watch(), WATCH_MS);

  let windowLatencies: number[] = [];
  let windowStart = now();
  let windowAnswered = 0;
  const report = () => {
    const at = now();
    const sorted = Float64Array.from(windowLatencies).sort();
    hooks.onProgress?.({
      phase,
      elapsedMs: at,
      total,
      sent,
      answered,
      byKind: { ...byKind },
      rate: ((answered - windowAnswered) * 1000) / Math.max(at - windowStart, 1),
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      coupon: latest,
    });
    windowLatencies = [];
    windowStart = at;
    windowAnswered = answered;
  };
  const reporter = setInterval(report, hooks.progressMs ?? 1000);

  try {
    await hooks.onPhase?.('sending');
    const jwt = settings.tokens !== undefined;
    const requestsPath = `${couponPath}/requests`;
    await sendAll(total, settings.arrival, settings.concurrency, async (i) => {
      const user = users[order[i] as number] as SaleUser;
      sent += 1;
      const sentAt = now();
      const answer = await crowd.call('POST', requestsPath, {
        body: jwt ? {} : { userId: user.userId },
        token: user.token,
      });
      const receivedAt = now();
      answers.sentAt[i] = sentAt;
      answers.receivedAt[i] = receivedAt;
      answers.status[i] = answer.status;
      const kind = kindOf(answer);
      answers.kind[i] = indexOfKind(kind);
      byKind[kind] = (byKind[kind] ?? 0) + 1;
      answered += 1;
      windowLatencies.push(receivedAt - sentAt);
    });
    let sendingMs = 0;
    for (const at of answers.receivedAt) if (at > sendingMs) sendingMs = at;

    // Until every winner is persisted, or the time allowed is over.
    phase = 'settling';
    await hooks.onPhase?.('settling');
    const settleBy = now() + settings.settleSeconds * 1000;
    let settledAt: number | undefined;
    for (;;) {
      const counters = countersOf(await admin.call('GET', couponPath, { admin: true }));
      if (counters) latest = counters;
      if (counters && drained(counters)) {
        settledAt = now();
        break;
      }
      if (now() > settleBy) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    phase = 'verifying';
    await hooks.onPhase?.('verifying');
    const atEnd = countersOf(await admin.call('GET', couponPath, { admin: true }));
    const { checks, winners } = await verifySale({
      client: crowd,
      couponId,
      users,
      answers,
      atStart,
      atEnd,
      settled: settledAt !== undefined,
      concurrency: settings.concurrency,
    });

    const latencies = new Float64Array(total);
    let answeredRequests = 0;
    for (let i = 0; i < total; i++) {
      if (answers.status[i] !== 0)
        latencies[answeredRequests++] = (answers.receivedAt[i] as number) - (answers.sentAt[i] as number);
    }
    const sorted = latencies.subarray(0, answeredRequests).sort();
    // The stock ran out with the last admission: the latest first QUEUED answer of a user (a
    // repeat of a queued user is QUEUED again, later, and takes nothing).
    const queuedKind = kindIndex.get('QUEUED');
    const admittedAt = new Float64Array(users.length).fill(Number.NaN);
    for (let i = 0; i < total; i++) {
      const user = order[i] as number;
      if (
        answers.kind[i] === queuedKind &&
        !((answers.receivedAt[i] as number) >= (admittedAt[user] as number))
      )
        admittedAt[user] = answers.receivedAt[i] as number;
    }
    let lastQueued = Number.NaN;
    for (const at of admittedAt) if (!Number.isNaN(at) && !(at <= lastQueued)) lastQueued = at;
    const soldOut = atEnd !== undefined && atEnd.issued >= atEnd.stock && !Number.isNaN(lastQueued);
    const round = (ms: number) => Number(ms.toFixed(2));
    return {
      url: settings.url,
      couponId,
      created,
      startedAt: startedAt.toISOString(),
      users: users.length,
      requests: total,
      repeats: total - users.length,
      arrival: settings.arrival,
      concurrency: settings.concurrency,
      jwt,
      signed,
      atStart,
      ...(atEnd ? { atEnd } : {}),
      answers: byKind,
      winners,
      latencyMs: {
        p50: round(percentile(sorted, 50)),
        p90: round(percentile(sorted, 90)),
        p99: round(percentile(sorted, 99)),
        p999: round(percentile(sorted, 99.9)),
        max: round(sorted[sorted.length - 1] ?? Number.NaN),
      },
      requestRate: Math.round((total * 1000) / Math.max(sendingMs, 1)),
      seconds: {
        sending: round(sendingMs / 1000),
        ...(soldOut ? { soldOut: round(lastQueued / 1000) } : {}),
        ...(settledAt === undefined ? {} : { persisted: round(settledAt / 1000) }),
      },
      checks,
      passed: checks.every((c) => c.passed),
      timeline,
    };
  } finally {
    clearInterval(watcher);
    clearInterval(reporter);
  }
}
