import type { Context } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { closeClients, couponQueue } from '#commons/dependencies';
import { runDrainLoop, summarize, type TickReport } from '#domain/drain';
import { handler } from '#functions/handlers/drain';
import { lambdaContext } from '#local/api';
import { engine } from './support/engine';
import { issuedRows, testDynamoDb, uniqueId } from './support/helpers';

// The drain Lambda's loop: ticks every interval inside one invocation, stops in time.

const db = testDynamoDb();
const main = engine();
afterAll(async () => {
  await main.close();
  await closeClients();
});

const reconcile = async () => ({ missingSentinels: 0, restored: 0 });
/** A tick that found one coupon with users waiting (not idle). */
const busy = (): TickReport => ({ ...summarize([]), coupons: 1, queued: 5 });

/** A drain whose ticks are recorded, and fail while `failing` is set. */
function fakeDrain() {
  const ticks: number[] = [];
  let failing = false;
  const drain = {
    reconcile,
    tick: async (deadline: number) => {
      ticks.push(deadline);
      if (failing) throw new Error('Redis is down');
      return busy();
    },
  };
  return { drain, ticks, fail: (on: boolean) => (failing = on) };
}

describe('runDrainLoop', () => {
  it('ticks every interval until its window ends', async () => {
    const { drain, ticks } = fakeDrain();
    const count = await runDrainLoop(drain, {
      intervalMs: 50,
      windowMs: 240,
      remainingMs: () => 60_000,
      reserveMs: 0,
    });
    expect(count).toBe(ticks.length);
    // Ticks start at 0, 50, ..., 200 ms: five, or fewer on a machine slow to schedule, never more.
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(ticks.length).toBeLessThanOrEqual(5);
  });

  it('stops after an idle tick (nobody waiting or pending, nothing opening soon), when asked to', async () => {
    const ticks: number[] = [];
    const idle = {
      reconcile,
      tick: async (deadline: number) => {
        ticks.push(deadline);
        return ticks.length < 3 ? busy() : { ...summarize([]), coupons: 4 };
      },
    };
    await runDrainLoop(idle, {
      intervalMs: 10,
      windowMs: 5_000,
      remainingMs: () => 60_000,
      reserveMs: 0,
      stopWhenIdle: true,
    });
    expect(ticks).toHaveLength(3);
  });

  it('starts no tick when the remaining time is within the reserve', async () => {
    const { drain, ticks } = fakeDrain();
    await runDrainLoop(drain, {
      intervalMs: 10,
      windowMs: 60_000,
      remainingMs: () => 5_000,
      reserveMs: 5_000,
    });
    expect(ticks).toEqual([]);
  });

  it('gives each tick a deadline inside both the window and the remaining time', async () => {
    const { drain, ticks } = fakeDrain();
    const start = Date.now();
    await runDrainLoop(drain, {
      intervalMs: 1_000,
      windowMs: 100,
      remainingMs: () => 50_000,
      reserveMs: 10_000,
    });
    expect(ticks).toHaveLength(1);
    expect(ticks[0]).toBeLessThanOrEqual(start + 100 + 50);
  });

  it('stops when aborted, even in the middle of a wait', async () => {
    const { drain, ticks } = fakeDrain();
    const stop = new AbortController();
    const loop = runDrainLoop(drain, {
      intervalMs: 60_000,
      windowMs: 3_600_000,
      remainingMs: () => 3_600_000,
      reserveMs: 0,
      signal: stop.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    stop.abort();
    await expect(loop).resolves.toBe(1);
    expect(ticks).toHaveLength(1);
  });

  it('keeps ticking after a failed tick, and fails as a whole only when the last tick failed', async () => {
    const { drain, ticks, fail } = fakeDrain();
    const errors: unknown[] = [];
    fail(true);
    const recovering = runDrainLoop(drain, {
      intervalMs: 20,
      windowMs: 200,
      remainingMs: () => 60_000,
      reserveMs: 0,
      onTickError: (error) => {
        errors.push(error);
        if (errors.length === 2) fail(false);
      },
    });
    await expect(recovering).resolves.toBeGreaterThan(2);
    expect(errors).toHaveLength(2);

    fail(true);
    const failing = runDrainLoop(drain, {
      intervalMs: 20,
      windowMs: 60,
      remainingMs: () => 60_000,
      reserveMs: 0,
    });
    await expect(failing).rejects.toThrow('Redis is down');
    expect(ticks.length).toBeGreaterThan(3);
  });
});

describe('the drain Lambda handler', () => {
  it('drains the queues in one invocation and stops before its time runs out', async () => {
    const couponId = uniqueId('lambda');
    await main.create(couponId, 30);
    for (let i = 0; i < 30; i++) await couponQueue().admit(couponId, `u${i}`);
    // 14 s left with 10 s kept in reserve and a tick every 5 s: room for the sentinel check and
    // one tick (which drains the queue). Without the reserve, a second tick would come at 5 s.
    const context: Context = lambdaContext('drain', 14_000);
    const { ticks } = await handler({}, context);
    expect(ticks).toBe(1);
    expect(await issuedRows(db, couponId)).toHaveLength(30);
  });
});
