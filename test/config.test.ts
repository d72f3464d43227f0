import { describe, expect, it } from 'vitest';
import { ConfigError, drainConfig, redisConfig, tablesConfig } from '#commons/config';

describe('configuration from the environment', () => {
  it('names a missing variable', () => {
    expect(() => redisConfig({})).toThrow(
      new ConfigError('Environment variable REDIS_URL is required but not set.'),
    );
    expect(() => tablesConfig({ COUPONS_TABLE: 'c' })).toThrow(/ISSUED_TABLE is required/);
  });

  it('refuses malformed values with the rule they break', () => {
    expect(() => redisConfig({ REDIS_URL: 'localhost:6379' })).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => drainConfig({ DRAIN_INTERVAL_MS: 'often' })).toThrow(
      'Environment variable DRAIN_INTERVAL_MS must be an integer from 10 to 60000, got "often".',
    );
    expect(() => drainConfig({ DRAIN_BATCH_SIZE: '0' })).toThrow(
      /DRAIN_BATCH_SIZE must be an integer from 1/,
    );
    expect(() => redisConfig({ REDIS_URL: 'redis://h:1', REDIS_CLUSTER: 'maybe' })).toThrow(/true or false/);
  });

  it('reads cluster seed lists and defaults', () => {
    expect(redisConfig({ REDIS_URL: 'rediss://a:6379, rediss://b:6379', REDIS_CLUSTER: 'true' })).toEqual({
      urls: ['rediss://a:6379', 'rediss://b:6379'],
      cluster: true,
      keyPrefix: '',
      timeoutMs: 1000,
    });
    expect(drainConfig({})).toEqual({
      intervalMs: 5000,
      windowMs: 55_000,
      batchSize: 500,
      couponConcurrency: 8,
      pendingTimeoutMs: 30_000,
      finishGraceMs: 3 * 24 * 3_600_000,
      transactionRows: 99,
    });
  });
});
