import type { ApiAnswer, ApiClient } from '../api-client';
import { sendAll } from './crowd';

/** What the crowd was told, one entry per request, in the order the requests were planned. */
export interface CrowdAnswers {
  /** The user (index into `users`) who sent each request. */
  who: Int32Array;
  /** When each request was sent and answered, ms on the simulator's monotonic clock. */
  sentAt: Float64Array;
  receivedAt: Float64Array;
  /** HTTP status, 0 when no answer came (a network error or a timeout). */
  status: Int16Array;
  /** What each answer said, as an index into `kindNames`. */
  kind: Uint8Array;
  kindNames: string[];
}

export interface SaleUser {
  userId: string;
  /** For a JWT stack. */
  token?: string;
}

/** A coupon's counters as `GET /coupons/{couponId}` gives them; the newer fields may be absent. */
export interface CouponCounters {
  stock: number;
  available: number;
  queued: number;
  issued: number;
  pending: number;
  persisted?: number;
  state?: string;
}

export interface Check {
  name: string;
  passed: boolean;
  detail: string;
  /** A few of the users or answers that break it. */
  examples: string[];
}

const MAX_EXAMPLES = 5;
/** Answers of `POST .../requests` that are part of the API's contract. */
const EXPECTED_KINDS = new Set(['QUEUED', 'ALREADY_ISSUED', 'SOLD_OUT', 'NOT_OPEN', 'CLOSED']);
const count = (n: number) => n.toLocaleString('en-US');

/** A check; `failDetail`, when given, says it all, else the detail counts the problems and shows a few. */
function check(name: string, problems: string[], passDetail: string, failDetail?: string): Check {
  return {
    name,
    passed: problems.length === 0,
    detail: problems.length === 0 ? passDetail : (failDetail ?? `${count(problems.length)} found`),
    examples: failDetail === undefined ? problems.slice(0, MAX_EXAMPLES) : [],
  };
}

/** Per user, what their answers said. */
function summarizeUsers(answers: CrowdAnswers, userCount: number) {
  const kindIndex = (name: string) => answers.kindNames.indexOf(name);
  const queued = kindIndex('QUEUED');
  const already = kindIndex('ALREADY_ISSUED');
  const soldOut = kindIndex('SOLD_OUT');
  const firstSentAt = new Float64Array(userCount).fill(Number.NaN);
  const admittedSentAt = new Float64Array(userCount).fill(Number.NaN);
  const admittedReceivedAt = new Float64Array(userCount).fill(Number.NaN);
  const soldOutReceivedAt = new Float64Array(userCount).fill(Number.NaN);
  const holdsPerAnswer = new Uint8Array(userCount);
  const answered = new Uint8Array(userCount);
  for (let i = 0; i < answers.who.length; i++) {
    const user = answers.who[i] as number;
    const sent = answers.sentAt[i] as number;
    const received = answers.receivedAt[i] as number;
    const kind = answers.kind[i] as number;
    if (!(sent >= (firstSentAt[user] as number))) firstSentAt[user] = sent;
    if (answers.status[i] !== 0 && answers.status[i] !== 429) answered[user] = 1;
    if (kind === queued && !(sent >= (admittedSentAt[user] as number))) {
      admittedSentAt[user] = sent;
      admittedReceivedAt[user] = received;
    }
    if (kind === queued || kind === already) holdsPerAnswer[user] = 1;
    if (kind === soldOut && !(received >= (soldOutReceivedAt[user] as number)))
      soldOutReceivedAt[user] = received;
  }
  return { firstSentAt, admittedSentAt, admittedReceivedAt, soldOutReceivedAt, holdsPerAnswer, answered };
}

/**
 * Checks every answer the crowd got against the coupon's final state, through the API only (so it
 * works as well on a deployed stack): each user told QUEUED or ALREADY_ISSUED is ISSUED and lists
 * the coupon exactly once; each user told SOLD_OUT holds nothing; the winners are the stock (or
 * the whole crowd, if smaller); and first come, first served in the order the simulator measured.
 */
export async function verifySale(options: {
  client: ApiClient;
  couponId: string;
  users: SaleUser[];
  answers: CrowdAnswers;
  atStart: CouponCounters;
  atEnd: CouponCounters | undefined;
  settled: boolean;
  concurrency: number;
}): Promise<{ checks: Check[]; winners: number }> {
  const { client, couponId, users, answers, atStart, atEnd } = options;
  const checks: Check[] = [];
  const summary = summarizeUsers(answers, users.length);
  const name = (user: number) => users[user]?.userId ?? String(user);

  // Every request got one of the API's answers.
  const unexpected = new Map<string, number>();
  for (let i = 0; i < answers.who.length; i++) {
    const kind = answers.kindNames[answers.kind[i] as number] as string;
    if (!EXPECTED_KINDS.has(kind) && answers.status[i] !== 429)
      unexpected.set(kind, (unexpected.get(kind) ?? 0) + 1);
  }
  checks.push(
    check(
      'every request got an answer of the API (no 5xx, no network error)',
      [...unexpected].map(([kind, n]) => `${count(n)} x ${kind}`),
      `${count(answers.who.length)} answered`,
      [...unexpected].map(([kind, n]) => `${count(n)} x ${kind}`).join(', '),
    ),
  );

  checks.push(
    check(
      'every winner persisted',
      options.settled ? [] : ['not settled'],
      'queue empty, nothing pending',
      atEnd
        ? `not within the time allowed: queued ${count(atEnd.queued)}, pending ${count(atEnd.pending)}` +
            (atEnd.persisted === undefined
              ? ''
              : `, persisted ${count(atEnd.persisted)} of ${count(atEnd.issued)}`)
        : 'the coupon could not be read',
    ),
  );

  // Where each user stands now, asked of the API: winners' status and list, losers' status.
  const winners: number[] = [];
  const losers: number[] = [];
  const both: string[] = [];
  for (let user = 0; user < users.length; user++) {
    const won = summary.holdsPerAnswer[user] === 1;
    const lost = !Number.isNaN(summary.soldOutReceivedAt[user] as number);
    if (won) winners.push(user);
    else if (lost) losers.push(user);
    if (won && lost) both.push(`${name(user)} was told both QUEUED/ALREADY_ISSUED and SOLD_OUT`);
  }
  const issuedAt = new Float64Array(users.length).fill(Number.NaN);
  const notIssued: string[] = [];
  const notListedOnce: string[] = [];
  const soldOutHolding: string[] = [...both];
  const jobs: (() => Promise<void>)[] = [];
  const auth = (user: number) => ({ token: users[user]?.token });
  const requestPath = (user: number) =>
    `/coupons/${encodeURIComponent(couponId)}/requests/${encodeURIComponent(name(user))}`;
  const failed = (user: number, what: string, answer: ApiAnswer) =>
    `${name(user)}: ${what} answered ${answer.status === 0 ? answer.error : `HTTP ${answer.status}`}`;
  for (const user of winners) {
    jobs.push(async () => {
      const answer = await client.call('GET', requestPath(user), auth(user));
      if (answer.status !== 200) notIssued.push(failed(user, 'status', answer));
      else if (answer.body.status !== 'ISSUED') notIssued.push(`${name(user)} is ${answer.body.status}`);
      else issuedAt[user] = Date.parse(String(answer.body.issuedAt));
    });
    jobs.push(async () => {
      const answer = await client.call('GET', `/users/${encodeURIComponent(name(user))}/coupons`, auth(user));
      const items = Array.isArray(answer.body.items)
        ? (answer.body.items as { couponId?: string }[])
        : undefined;
      if (answer.status !== 200 || !items) notListedOnce.push(failed(user, 'their coupons', answer));
      else {
        const held = items.filter((item) => item.couponId === couponId).length;
        if (held !== 1) notListedOnce.push(`${name(user)} lists the coupon ${held} times`);
      }
    });
  }
  for (const user of losers) {
    jobs.push(async () => {
      const answer = await client.call('GET', requestPath(user), auth(user));
      if (answer.status !== 200) soldOutHolding.push(failed(user, 'status', answer));
      else if (answer.body.status === 'ISSUED' || answer.body.status === 'QUEUED')
        soldOutHolding.push(`${name(user)} was told SOLD_OUT and is ${answer.body.status}`);
    });
  }
  await sendAll(jobs.length, { shape: 'burst' }, options.concurrency, (i) =>
    (jobs[i] as () => Promise<void>)(),
  );

  checks.push(
    check('every user told QUEUED or ALREADY_ISSUED is ISSUED', notIssued, `${count(winners.length)} users`),
    check(
      'every winner lists the coupon exactly once (persisted, no user holds two)',
      notListedOnce,
      `${count(winners.length)} users`,
    ),
    check('every user told SOLD_OUT holds nothing', soldOutHolding, `${count(losers.length)} users`),
  );

  // Winners = the stock, or the crowd if it was smaller.
  let answeredUsers = 0;
  let unanswered = 0;
  for (let user = 0; user < users.length; user++) {
    if (summary.answered[user]) answeredUsers += 1;
    else unanswered += 1;
  }
  const windowAnswers = ['NOT_OPEN', 'CLOSED'].some((kind) => {
    const index = answers.kindNames.indexOf(kind);
    return index >= 0 && answers.kind.includes(index);
  });
  const expected = Math.min(atStart.available, answeredUsers);
  const winnerProblems: string[] = [];
  if (winners.length > atStart.available)
    winnerProblems.push(`${count(winners.length)} winners for ${count(atStart.available)} available`);
  if (!windowAnswers && winners.length + unanswered < expected)
    winnerProblems.push(`${count(winners.length)} winners, expected ${count(expected)}`);
  if (atEnd) {
    const grew = atEnd.issued - atStart.issued;
    if (grew < winners.length || grew > winners.length + unanswered)
      winnerProblems.push(
        `issued grew by ${count(grew)} for ${count(winners.length)} winners (another client?)`,
      );
  }
  checks.push(
    check(
      'winners = stock available (or the crowd, if smaller)',
      winnerProblems,
      `${count(winners.length)} winners, ${count(atStart.available)} were available, ${count(answeredUsers)} users answered`,
      winnerProblems.join('; '),
    ),
  );

  const admissions: Admission[] = [];
  for (const user of winners) {
    if (Number.isNaN(summary.admittedReceivedAt[user] as number)) continue;
    admissions.push({
      userId: name(user),
      sentAt: summary.admittedSentAt[user] as number,
      receivedAt: summary.admittedReceivedAt[user] as number,
      issuedAt: issuedAt[user] as number,
    });
  }
  let firstSoldOut: { userId: string; receivedAt: number } | undefined;
  for (const user of losers) {
    const receivedAt = summary.soldOutReceivedAt[user] as number;
    if (!firstSoldOut || receivedAt < firstSoldOut.receivedAt)
      firstSoldOut = { userId: name(user), receivedAt };
  }
  const fifo = fifoViolations(admissions, firstSoldOut);
  checks.push(
    check(
      'first come, first served (in the order measured here)',
      fifo,
      `${count(admissions.length)} admissions in order; no admission after a SOLD_OUT`,
    ),
  );
  return { checks, winners: winners.length };
}

/** A winner's admission as measured here, and when the API says they were issued (epoch ms). */
export interface Admission {
  userId: string;
  /** When the request that was answered QUEUED was sent, and when that answer came. */
  sentAt: number;
  receivedAt: number;
  issuedAt: number;
}

/**
 * First come, first served, in the order measured here: (a) a winner whose QUEUED answer came
 * before another winner sent the request that admitted them is issued no later than them; (b) no
 * winner sent that request after someone had been told SOLD_OUT.
 */
export function fifoViolations(
  admissions: Admission[],
  firstSoldOut?: { userId: string; receivedAt: number },
): string[] {
  const problems: string[] = [];
  const byAnswered = [...admissions].sort((a, b) => a.receivedAt - b.receivedAt);
  const bySent = [...admissions].sort((a, b) => a.sentAt - b.sentAt);
  let latest: Admission | undefined;
  let i = 0;
  for (const later of bySent) {
    while (i < byAnswered.length && (byAnswered[i] as Admission).receivedAt < later.sentAt) {
      const earlier = byAnswered[i++] as Admission;
      if (!latest || earlier.issuedAt > latest.issuedAt) latest = earlier;
    }
    if (latest && later.issuedAt < latest.issuedAt)
      problems.push(`${latest.userId} was admitted before ${later.userId} asked, but issued after`);
  }
  if (firstSoldOut) {
    for (const admission of admissions) {
      if (admission.sentAt > firstSoldOut.receivedAt)
        problems.push(`${admission.userId} was admitted after ${firstSoldOut.userId} had been told SOLD_OUT`);
    }
  }
  return problems;
}
