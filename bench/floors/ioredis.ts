// A floor for the cold-start benchmark: ioredis alone, one client connecting during init, a
// handler that pings. What any function holding a Redis client pays before its own code.
import { Redis } from 'ioredis';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });

export const handler = async () => ({ statusCode: (await redis.ping()) === 'PONG' ? 200 : 500 });
