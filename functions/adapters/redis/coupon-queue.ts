import { ReplyError } from 'ioredis';
import { type RedisClient, whenReady } from '#commons/clients/redis';
import { DependencyUnavailable } from '#domain/errors';
import type {
  Admission,
  Claim,
  CouponHolder,
  IssuedCoupon,
  QueueSnapshot,
  RequestStatus,
} from '#domain/model';
import type { CouponQueue } from '#domain/ports';
import { couponKeys, OPEN_COUPONS_KEY } from './keys';
import admitLua from './lua/admit.lua';
import claimLua from './lua/claim.lua';
import reclaimLua from './lua/reclaim.lua';
import snapshotLua from './lua/snapshot.lua';
import statusLua from './lua/status.lua';

type Reply = (string | number | null)[];
type Script = (...args: (string | number)[]) => Promise<Reply>;
interface Scripts {
  couponAdmit: Script;
  couponClaim: Script;
  couponReclaim: Script;
  couponStatus: Script;
  couponSnapshot: Script;
}

const SCRIPTS: Record<keyof Scripts, { numberOfKeys: number; lua: string }> = {
  couponAdmit: { numberOfKeys: 4, lua: admitLua },
  couponClaim: { numberOfKeys: 4, lua: claimLua },
  couponReclaim: { numberOfKeys: 2, lua: reclaimLua },
  couponStatus: { numberOfKeys: 3, lua: statusLua },
  couponSnapshot: { numberOfKeys: 4, lua: snapshotLua },
};

/** Replies that mean "this node cannot serve now" (loading, failover), not a bug in a script. */
const TRANSIENT_REPLY = /^(LOADING|CLUSTERDOWN|READONLY|MASTERDOWN|TRYAGAIN|BUSY)\b/;

const iso = (epochMs: string | number | null | undefined) => new Date(Number(epochMs)).toISOString();

/**
 * The coupon queue on Redis. Scripts are sent by EVALSHA and re-sent in full on NOSCRIPT
 * (ioredis's defineCommand), so a restarted or failed-over Redis needs nothing from us.
 * Connection failures and timeouts surface as DependencyUnavailable; script errors as themselves.
 */
export class RedisCouponQueue implements CouponQueue {
  private readonly scripts: Scripts;

  constructor(
    private readonly client: RedisClient,
    private readonly timeoutMs: number,
  ) {
    for (const [name, definition] of Object.entries(SCRIPTS)) {
      if (!(name in client)) client.defineCommand(name, definition);
    }
    this.scripts = client as unknown as Scripts;
  }

  async open(couponId: string, stock: number): Promise<void> {
    const keys = couponKeys(couponId);
    await this.call(async (redis) => {
      await redis.set(keys.stock, stock, 'NX');
      await redis.sadd(OPEN_COUPONS_KEY, couponId);
    });
  }

  async restore(couponId: string, stock: number, holders: CouponHolder[]): Promise<void> {
    const { issued } = couponKeys(couponId);
    // The holders first, in chunks; the stock last: until it is set, the coupon answers 404.
    for (let i = 0; i < holders.length; i += 1000) {
      const fields = holders.slice(i, i + 1000).flatMap((h) => [h.userId, String(Date.parse(h.issuedAt))]);
      await this.call((redis) => redis.hset(issued, ...fields));
    }
    await this.open(couponId, stock);
  }

  async admit(couponId: string, userId: string): Promise<Admission | undefined> {
    const k = couponKeys(couponId);
    const [code, position] = await this.call(() =>
      this.scripts.couponAdmit(k.stock, k.queue, k.issued, k.seq, userId),
    );
    switch (code) {
      case 0:
        return undefined;
      case 1:
        return { status: 'QUEUED', position: Number(position) };
      case 2:
        return { status: 'ALREADY_ISSUED' };
      default:
        return { status: 'SOLD_OUT' };
    }
  }

  async status(couponId: string, userId: string): Promise<RequestStatus | undefined> {
    const k = couponKeys(couponId);
    const [code, value] = await this.call(() =>
      this.scripts.couponStatus(k.stock, k.queue, k.issued, userId),
    );
    switch (code) {
      case 0:
        return undefined;
      case 1:
        return { status: 'QUEUED', position: Number(value) };
      case 2:
        return { status: 'ISSUED', issuedAt: iso(value) };
      case 3:
        return { status: 'SOLD_OUT' };
      default:
        return { status: 'NOT_REQUESTED' };
    }
  }

  async snapshot(couponId: string): Promise<QueueSnapshot | undefined> {
    const k = couponKeys(couponId);
    const reply = await this.call(() => this.scripts.couponSnapshot(k.stock, k.queue, k.issued, k.pending));
    if (reply.length === 0) return undefined;
    const [stockLeft, queued, issued, pending, oldestQueuedMicros, oldestPendingMs] = reply.map(Number);
    return {
      stockLeft: stockLeft ?? 0,
      queued: queued ?? 0,
      issued: issued ?? 0,
      pending: pending ?? 0,
      oldestQueuedAt: oldestQueuedMicros ? Math.floor(oldestQueuedMicros / 1000) : undefined,
      oldestPendingAt: oldestPendingMs || undefined,
    };
  }

  openCoupons(): Promise<string[]> {
    return this.call((redis) => redis.smembers(OPEN_COUPONS_KEY));
  }

  async retire(couponId: string): Promise<void> {
    await this.call((redis) => redis.srem(OPEN_COUPONS_KEY, couponId));
  }

  async claim(couponId: string, max: number): Promise<Claim> {
    const k = couponKeys(couponId);
    const reply = await this.call(() => this.scripts.couponClaim(k.stock, k.queue, k.issued, k.pending, max));
    const [issuedAt, stockLeft, queuedLeft, skipped, soldOut, ...userIds] = reply;
    return {
      couponId,
      issuedAt: iso(issuedAt),
      userIds: userIds.map(String),
      stockLeft: Number(stockLeft),
      queuedLeft: Number(queuedLeft),
      skipped: Number(skipped),
      soldOut: Number(soldOut),
    };
  }

  async reclaim(couponId: string, timeoutMs: number, max: number): Promise<IssuedCoupon[]> {
    const k = couponKeys(couponId);
    const reply = await this.call(() => this.scripts.couponReclaim(k.pending, k.issued, timeoutMs, max));
    const rows: IssuedCoupon[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      rows.push({ couponId, userId: String(reply[i]), issuedAt: iso(reply[i + 1]), used: false });
    }
    return rows;
  }

  async acknowledge(couponId: string, userIds: string[]): Promise<void> {
    if (userIds.length === 0) return;
    await this.call((redis) => redis.zrem(couponKeys(couponId).pending, ...userIds));
  }

  /** Waits (bounded) for a connection, runs `fn`, and turns connection trouble into a domain error. */
  private async call<T>(fn: (redis: RedisClient) => Promise<T>): Promise<T> {
    try {
      await whenReady(this.client, this.timeoutMs);
      return await fn(this.client);
    } catch (error) {
      if (error instanceof ReplyError && !TRANSIENT_REPLY.test(String((error as Error).message))) throw error;
      throw new DependencyUnavailable('Redis', error);
    }
  }
}
