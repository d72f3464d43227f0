import { closeQueue } from './queue';
import { closeTables } from './tables';

// For the local runtime and the tests, which load every handler in one process: closes every
// client the handlers made. Handlers import queue.ts and tables.ts themselves, each only what
// it uses, so a function's bundle holds only its own clients.
export { couponQueue, redisClient } from './queue';
export { couponCatalog, issuedCouponStore } from './tables';

export async function closeClients(): Promise<void> {
  closeTables();
  await closeQueue();
}
