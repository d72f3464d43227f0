import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Cluster, Redis } from 'ioredis';
import { couponKeys } from '#adapters/redis/keys';
import { couponRows } from './helpers';

/** One answer a client got, with when it sent the request and when the answer came. */
export interface Answer {
  userId: string;
  status: number;
  sentAt: number;
  receivedAt: number;
}

export interface InvariantReport {
  violations: string[];
  figures: {
    stock: number;
    rows: number;
    issued: number;
    queued: number;
    pending: number;
    stockLeft: number;
    /** The ledger's own count of rows, and what it has left. */
    ledgerIssued: number;
    ledgerRemaining: number;
    answers: number;
    queuedAnswers: number;
    soldOutAnswers: number;
    alreadyIssuedAnswers: number;
  };
}

/**
 * The promises of the system, checked on the final state of one coupon once the drains are done:
 * 1. DynamoDB rows = the issued set in Redis (pending empty); no user has two rows;
 * 2. issued + queued <= stock, and stock left = stock - issued; the ledger counts exactly the rows,
 *    never more than the stock;
 * 3. FIFO: everyone admitted is issued, and a user admitted before another was requested is
 *    issued no later than them;
 * 4. every answer agrees with the end state: QUEUED and ALREADY_ISSUED users hold the coupon,
 *    SOLD_OUT users hold nothing, nobody got a 5xx.
 */
export async function checkInvariants(options: {
  redis: Redis | Cluster;
  db: DynamoDBDocumentClient;
  /** @default the ISSUED_TABLE of the environment */
  issuedTable?: string;
  couponId: string;
  stock: number;
  answers: Answer[];
}): Promise<InvariantReport> {
  const { redis, db, couponId, stock, answers } = options;
  const violations: string[] = [];
  const k = couponKeys(couponId);
  const [issuedHash, queued, pending, stockLeftRaw] = await Promise.all([
    redis.hgetall(k.issued),
    redis.zcard(k.queue),
    redis.zcard(k.pending),
    redis.hget(k.state, 'left'),
  ]);
  const rows = await couponRows(db, couponId, options.issuedTable);
  const { Item: ledger } = await db.send(
    new GetCommand({
      TableName: process.env.COUPONS_TABLE as string,
      Key: { couponId },
      ConsistentRead: true,
    }),
  );
  const ledgerIssued = Number(ledger?.issued);
  const ledgerRemaining = Number(ledger?.remaining);
  const issuedUsers = new Set(Object.keys(issuedHash));
  const rowUsers = new Set(rows.map((r) => r.userId));
  const issuedAt = new Map(rows.map((r) => [r.userId, Date.parse(r.issuedAt)]));
  const stockLeft = Number(stockLeftRaw);

  // 1
  if (pending !== 0) violations.push(`${pending} claims still pending`);
  if (rowUsers.size !== rows.length) violations.push(`${rows.length - rowUsers.size} users have two rows`);
  if (rows.length !== issuedUsers.size)
    violations.push(`${rows.length} rows but ${issuedUsers.size} issued in Redis`);
  for (const user of issuedUsers) if (!rowUsers.has(user)) violations.push(`issued ${user} has no row`);
  for (const user of rowUsers)
    if (!issuedUsers.has(user)) violations.push(`row of ${user} not in the issued set`);
  // 2
  if (issuedUsers.size + queued > stock)
    violations.push(`issued ${issuedUsers.size} + queued ${queued} > stock ${stock}`);
  if (stockLeft !== stock - issuedUsers.size)
    violations.push(`stock left ${stockLeft} != ${stock} - ${issuedUsers.size}`);
  if (rows.length > Number(ledger?.stock))
    violations.push(`${rows.length} rows > the ledger's stock ${ledger?.stock}`);
  if (ledgerIssued !== rows.length)
    violations.push(`the ledger counts ${ledgerIssued} rows, there are ${rows.length}`);
  if (ledgerRemaining !== Number(ledger?.stock) - rows.length)
    violations.push(
      `the ledger has ${ledgerRemaining} left, not stock ${ledger?.stock} - ${rows.length} rows`,
    );

  // 4, and who was admitted
  const byUser = new Map<string, Answer[]>();
  for (const answer of answers) byUser.set(answer.userId, [...(byUser.get(answer.userId) ?? []), answer]);
  const admissions: { userId: string; before: number; after: number }[] = [];
  for (const [userId, mine] of byUser) {
    for (const answer of mine) {
      if (answer.status >= 500) violations.push(`${userId} got ${answer.status}`);
      else if (![202, 409, 410].includes(answer.status)) violations.push(`${userId} got ${answer.status}`);
    }
    const queuedAnswers = mine.filter((a) => a.status === 202);
    const holds = rowUsers.has(userId);
    if (queuedAnswers.length > 0 && !holds) violations.push(`${userId} was told QUEUED and holds nothing`);
    if (mine.some((a) => a.status === 409) && !holds)
      violations.push(`${userId} was told ALREADY_ISSUED and holds nothing`);
    if (mine.some((a) => a.status === 410) && holds)
      violations.push(`${userId} was told SOLD_OUT and holds a coupon`);
    if (queuedAnswers.length > 0) {
      admissions.push({
        userId,
        before: Math.min(...queuedAnswers.map((a) => a.receivedAt)),
        after: Math.min(...mine.map((a) => a.sentAt)),
      });
    }
  }
  // 3: a user whose admission was answered before another user sent their first request must be
  // issued no later (issuedAt is Redis's clock at claim time, claims pop in admission order).
  const byAnswered = [...admissions].sort((a, b) => a.before - b.before);
  const byRequested = [...admissions].sort((a, b) => a.after - b.after);
  let latestEarlier = -Infinity;
  let latestEarlierUser = '';
  let i = 0;
  for (const later of byRequested) {
    while (i < byAnswered.length && (byAnswered[i]?.before ?? Infinity) < later.after) {
      const earlier = byAnswered[i++] as (typeof admissions)[number];
      const at = issuedAt.get(earlier.userId) ?? -Infinity;
      if (at > latestEarlier) {
        latestEarlier = at;
        latestEarlierUser = earlier.userId;
      }
    }
    const at = issuedAt.get(later.userId);
    if (at !== undefined && at < latestEarlier) {
      violations.push(
        `FIFO: ${latestEarlierUser} was admitted before ${later.userId} asked, but issued later`,
      );
    }
  }

  return {
    violations,
    figures: {
      stock,
      rows: rows.length,
      issued: issuedUsers.size,
      queued,
      pending,
      stockLeft,
      ledgerIssued,
      ledgerRemaining,
      answers: answers.length,
      queuedAnswers: answers.filter((a) => a.status === 202).length,
      soldOutAnswers: answers.filter((a) => a.status === 410).length,
      alreadyIssuedAnswers: answers.filter((a) => a.status === 409).length,
    },
  };
}
