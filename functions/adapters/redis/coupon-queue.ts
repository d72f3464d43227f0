import { type ChainableCommander, Cluster, ReplyError } from 'ioredis';
import { type RedisClient, whenReady } from '#commons/clients/redis';
import { DependencyUnavailable } from '#domain/errors';
import {
  type CommitOutcome,
  type CouponHolder,
  type CouponRecord,
  epochMs,
  type IssuedCoupon,
} from '#domain/model';
import type { CouponQueue, QueueRestore } from '#domain/ports';
import { couponKeys, SLOTS, sentinelKey, slotOf } from './keys';
import {
  COUPON_SCRIPTS,
  type Reply,
  type ScriptArgs,
  type ScriptName,
  type ScriptResult,
  UnexpectedReply,
} from './scripts';

/** Replies that mean "this node cannot serve now" (loading, failover): the command did not run. */
const TRANSIENT_REPLY = /^(LOADING|CLUSTERDOWN|READONLY|MASTERDOWN|TRYAGAIN|BUSY)\b/;
/** Errors raised before a command was sent: nothing reached Redis. */
const NOT_SENT =
  /not ready within|Stream isn't writeable|None of startup nodes is available|Failed to refresh slots cache|Cluster isn't ready/i;

/** Commands per pipeline when every slot's sentinel is read or written. */
const PIPELINE_SIZE = 512;

/**
 * The coupon queue on Redis: every step one script, declared in scripts.ts, sent by EVALSHA and
 * in full after NOSCRIPT (ioredis's `scripts` option), so a restarted or failed-over Redis needs
 * nothing from us. Connection failures and timeouts surface as DependencyUnavailable, saying
 * whether the command may have run; script errors and unknown replies as themselves.
 */
export class RedisCouponQueue implements CouponQueue {
  constructor(
    private readonly client: RedisClient,
    private readonly timeoutMs: number,
  ) {}

  async now(): Promise<number> {
    const [seconds, micros] = await this.call(false, (redis) => redis.time());
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  restore(couponId: string, s: QueueRestore) {
    return this.run(
      'couponRestore',
      couponId,
      true,
      s.generation,
      s.total,
      s.stockLeft,
      s.opensAt,
      s.closesAt,
      s.loadHolders,
      s.finished ?? '',
      s.finished ? 1 : 0, // a finished coupon restored keeps no holders: the issued table answers
      s.version,
    );
  }

  loadHolders(couponId: string, generation: number, holders: CouponHolder[], next: string | undefined) {
    const page = holders.map((h) => ({ userId: h.userId, issuedAtMs: Date.parse(h.issuedAt) }));
    return this.run('couponHolders', couponId, true, generation, next === undefined, next ?? '', page);
  }

  async restoreCursor(couponId: string): Promise<string | undefined> {
    const slot = slotOf(couponId);
    const cursor = await this.call(
      false,
      (redis) => redis.hget(couponKeys(couponId, slot).state, 'restoreCursor'),
      slot,
    );
    return cursor || undefined;
  }

  admit(couponId: string, userId: string) {
    return this.run('couponAdmit', couponId, true, userId);
  }

  status(couponId: string, userId: string) {
    return this.run('couponStatus', couponId, false, userId);
  }

  snapshot(couponId: string) {
    return this.run('couponSnapshot', couponId, false);
  }

  async sync(
    couponId: string,
    record: Pick<CouponRecord, 'stock' | 'opensAt' | 'closesAt' | 'ledger' | 'version'>,
  ) {
    const changed = await this.run(
      'couponSync',
      couponId,
      true,
      record.ledger.generation,
      record.stock,
      epochMs(record.opensAt),
      epochMs(record.closesAt),
      record.version,
    );
    return changed === true;
  }

  async claim(couponId: string, max: number) {
    const claim = await this.run('couponClaim', couponId, true, max);
    return typeof claim === 'string' ? claim : { couponId, ...claim };
  }

  async reclaim(couponId: string, timeoutMs: number, max: number) {
    const reply = await this.run('couponReclaim', couponId, true, timeoutMs, max);
    if (reply === 'MISSING') return reply;
    const rows = reply.claims.map((c): IssuedCoupon => ({ couponId, ...c, used: false }));
    return { generation: reply.generation, rows };
  }

  async settle(
    couponId: string,
    generation: number,
    outcome: Pick<CommitOutcome, 'persisted' | 'heldBefore' | 'refused'>,
  ): Promise<void> {
    const { persisted, heldBefore, refused } = outcome;
    if (persisted.length + heldBefore.length + refused.length === 0) return;
    await this.run(
      'couponSettle',
      couponId,
      true,
      generation,
      persisted.map((row) => row.userId),
      heldBefore.map((h) => ({ userId: h.userId, issuedAtMs: Date.parse(h.issuedAt) })),
      refused.map((row) => row.userId),
    );
  }

  finish(couponId: string, graceMs: number) {
    return this.run('couponFinish', couponId, true, graceMs);
  }

  slotOf(couponId: string): number {
    return slotOf(couponId);
  }

  async missingSentinels(): Promise<number[]> {
    const slots = Array.from({ length: SLOTS }, (_, slot) => slot);
    const found = await this.perNode(slots, (pipeline, slot) => pipeline.exists(sentinelKey(slot)), false);
    return slots.filter((slot) => found.get(slot) === 0);
  }

  async createSentinels(slots: number[]): Promise<void> {
    await this.perNode(slots, (pipeline, slot) => pipeline.set(sentinelKey(slot), '1'), true);
  }

  /**
   * One command per slot, sent in pipelines: one per cluster node (a pipeline may not span
   * nodes), or one for a single Redis. The replies by slot.
   */
  private async perNode(
    slots: number[],
    command: (pipeline: ChainableCommander, slot: number) => void,
    writes: boolean,
  ): Promise<Map<number, unknown>> {
    return this.call(writes, async (redis) => {
      const groups = new Map<string, number[]>();
      for (const slot of slots) {
        const node = redis instanceof Cluster ? String(redis.slots[slot]?.[0]) : 'single';
        const group = groups.get(node);
        if (group) group.push(slot);
        else groups.set(node, [slot]);
      }
      const replies = new Map<number, unknown>();
      // Pipelines of a few hundred commands: each answers well within the command timeout.
      await Promise.all(
        [...groups.values()].map(async (group) => {
          for (let from = 0; from < group.length; from += PIPELINE_SIZE) {
            const part = group.slice(from, from + PIPELINE_SIZE);
            const pipeline = redis.pipeline();
            for (const slot of part) command(pipeline, slot);
            const results = (await pipeline.exec()) ?? [];
            results.forEach(([error, reply], i) => {
              if (error) throw error;
              replies.set(part[i] as number, reply);
            });
          }
        }),
      );
      return replies;
    });
  }

  /** Runs a declared script on one coupon's keys and decodes its reply. */
  private async run<N extends ScriptName>(
    name: N,
    couponId: string,
    writes: boolean,
    ...args: ScriptArgs<N>
  ): Promise<ScriptResult<N>> {
    const script = COUPON_SCRIPTS[name];
    const slot = slotOf(couponId);
    const keys = script.keys(couponKeys(couponId, slot));
    const argv = (script.args as (...a: unknown[]) => (string | number)[])(...args);
    const command = (this.client as unknown as Record<string, (...a: (string | number)[]) => Promise<Reply>>)[
      name
    ];
    // A client made without the scripts is a wiring bug, not an outage.
    if (!command) throw new Error(`Script ${name} is not defined on this client (see ioredisScripts()).`);
    const reply = await this.call(writes, (redis) => command.call(redis, ...keys, ...argv), slot);
    const fail = (): never => {
      throw new UnexpectedReply(name, reply);
    };
    if (!Array.isArray(reply)) fail();
    return (script.decode as (r: Reply, f: () => never) => ScriptResult<N>)(reply, fail);
  }

  /**
   * Waits (bounded) for a connection, runs `fn`, and turns connection trouble into a domain error
   * that says whether the command may have run: only a write that reached Redis may have.
   */
  private async call<T>(writes: boolean, fn: (redis: RedisClient) => Promise<T>, slot?: number): Promise<T> {
    try {
      await whenReady(this.client, this.timeoutMs, slot);
      return await fn(this.client);
    } catch (error) {
      const message = String((error as Error)?.message);
      if (error instanceof ReplyError) {
        if (!TRANSIENT_REPLY.test(message)) throw error;
        throw new DependencyUnavailable('Redis', false, error);
      }
      if (error instanceof UnexpectedReply) throw error;
      throw new DependencyUnavailable('Redis', writes && !NOT_SENT.test(message), error);
    }
  }
}
