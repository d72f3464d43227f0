// How the functions authenticate to the cache, in one place: the stack creates the user with this
// access string and sets these variables; clients/redis-auth.ts reads them and signs the tokens.

/** ElastiCache node-based, ElastiCache Serverless, or MemoryDB: each signs its token a little differently. */
export const IAM_AUTH_TARGETS = ['elasticache', 'elasticache-serverless', 'memorydb'] as const;
export type IamAuthTarget = (typeof IAM_AUTH_TARGETS)[number];

/**
 * What the functions' cache user may run: everything but the admin commands (Redis's @dangerous
 * category: KEYS, FLUSHALL, CONFIG, MONITOR...), plus INFO for the client's ready check. The
 * tests run the real flows under it (test/redis-auth.test.ts).
 */
export const CACHE_ACCESS_STRING = 'on ~* +@all -@dangerous +info';

/** The environment of a function that authenticates to the cache with IAM. */
export function iamAuthEnvironment(target: IamAuthTarget, cacheName: string, user: string) {
  return { REDIS_IAM_AUTH: target, REDIS_IAM_CACHE: cacheName, REDIS_IAM_USER: user };
}
