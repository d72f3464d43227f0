import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisConfig } from '../config';

export type RedisClient = Redis | Cluster;

export type ScriptDefinitions = { [name: string]: { lua: string; numberOfKeys: number } };

/** Credentials that change while a client lives (IAM tokens, clients/redis-auth.ts). */
export interface RedisAuth {
  /** Gives the client its credentials, then connects it; keeps them fresh. */
  attach(client: RedisClient): void;
}

/**
 * A client tuned for Lambda: it connects as soon as it is made (during a function's init phase,
 * so the first request does not pay for the TLS handshake); short connect and command timeouts
 * and no offline queue, so that a Redis outage turns into a fast error instead of a hang;
 * reconnection in the background with capped backoff. A command whose caller was answered is
 * never sent again (no resend of unfulfilled commands after a reconnect), and a connection that
 * stops answering is dropped and replaced (socketTimeout), so a half-dead TCP connection cannot
 * keep a container failing. ElastiCache in cluster mode (and Serverless) gets a Cluster client;
 * rediss:// turns TLS on. `scripts` are defined on the client (EVALSHA, EVAL after NOSCRIPT).
 */
export function createRedisClient(
  config: RedisConfig,
  extras: {
    scripts?: ScriptDefinitions;
    auth?: RedisAuth;
    /** Cluster only: node addresses as the cluster announces them -> where to reach them (a tunnel, a proxy). */
    natMap?: Record<string, { host: string; port: number }>;
  } = {},
): RedisClient {
  const { scripts = {}, auth, natMap } = extras;
  const [first, ...rest] = config.urls.map((url) => new URL(url));
  if (!first) throw new Error('REDIS_URL holds no URL');
  const tls = first.protocol === 'rediss:' ? {} : undefined;
  const options: RedisOptions = {
    connectTimeout: config.timeoutMs,
    commandTimeout: config.timeoutMs,
    // A reply not received this long after a command went out: the socket is taken as dead,
    // destroyed, and a new one made.
    socketTimeout: Math.max(3 * config.timeoutMs, 2000),
    keepAlive: 1000,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    scripts,
    keyPrefix: config.keyPrefix || undefined,
    username: decodeURIComponent(first.username) || undefined,
    password: decodeURIComponent(first.password) || undefined,
    tls,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
    // With an auth, the client connects once it holds its credentials (auth.attach).
    lazyConnect: auth !== undefined,
  };
  const client: RedisClient = config.cluster
    ? createCluster([first, ...rest], options, natMap)
    : new Redis({ ...options, host: first.hostname, port: Number(first.port || 6379) });
  // Connection errors reach callers through the commands they fail (as DependencyUnavailable);
  // without a listener ioredis would also print each reconnection attempt's error.
  client.on('error', () => {});
  auth?.attach(client);
  return client;
}

function createCluster(
  urls: URL[],
  options: RedisOptions,
  natMap?: Record<string, { host: string; port: number }>,
): Cluster {
  const { keyPrefix, tls, scripts, lazyConnect, ...redisOptions } = options;
  return new Cluster(
    urls.map((url) => ({ host: url.hostname, port: Number(url.port || 6379) })),
    {
      keyPrefix,
      scripts,
      lazyConnect,
      natMap,
      redisOptions: { ...redisOptions, tls },
      enableOfflineQueue: false,
      // A command whose node connection closed under it may have run: never send it again
      // (ioredis would, after this delay, by default), its caller has had its answer.
      retryDelayOnFailover: 0,
      slotsRefreshTimeout: options.connectTimeout,
      // Learn a failover's new primaries even while no command reaches the old one (a request
      // waits for the node of its slot: no MOVED would ever come back to say so).
      slotsRefreshInterval: 5000,
      clusterRetryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
      // ElastiCache's TLS certificates name the configuration endpoint, not the node IPs.
      dnsLookup: tls ? (address, callback) => callback(null, address) : undefined,
    },
  );
}

/**
 * Ready to take a command: the client, and on a cluster the connection of the master that serves
 * `slot` (every master's when no slot is given). A cluster node still connecting refuses a
 * command with no offline queue ("Connection is closed." though nothing was sent), so a burst
 * right after the client is ready, or while a node reconnects, would fail for nothing; a node
 * that is down blocks only the commands of its own slots.
 */
function nodesFor(client: Cluster, slot: number | undefined): Redis[] {
  const masters = client.nodes('master');
  if (slot === undefined) return masters;
  const key = client.slots[slot]?.[0];
  const node = masters.find((n) => `${n.options.host}:${n.options.port}` === key);
  return node ? [node] : masters;
}

function ready(client: RedisClient, slot: number | undefined): boolean {
  if (client.status !== 'ready') return false;
  return !(client instanceof Cluster) || nodesFor(client, slot).every((node) => node.status === 'ready');
}

/** One wait per client (and slot) while it connects, however many calls are waiting on it. */
const connecting = new WeakMap<RedisClient, Map<number | undefined, Promise<void>>>();

/**
 * Resolves once the client is ready for `slot` (it connects, or reconnects, by itself; a
 * cluster's node connections are opened at once rather than at their first command). Rejects
 * after `timeoutMs`: with no offline queue, a command sent before then would fail anyway.
 */
export function whenReady(client: RedisClient, timeoutMs: number, slot?: number): Promise<void> {
  if (ready(client, slot)) return Promise.resolve();
  let waits = connecting.get(client);
  if (!waits) {
    waits = new Map();
    connecting.set(client, waits);
  }
  let wait = waits.get(slot);
  if (!wait) {
    wait = new Promise<void>((resolve, reject) => {
      const watched: Redis[] = [];
      const check = () => {
        if (ready(client, slot)) {
          done();
          resolve();
          return;
        }
        if (client instanceof Cluster && client.status === 'ready') {
          for (const node of nodesFor(client, slot)) {
            if (node.status === 'ready') continue;
            if (node.status === 'wait') node.connect().catch(() => {});
            if (!watched.includes(node)) {
              node.once('ready', check);
              watched.push(node);
            }
          }
        }
      };
      const done = () => {
        clearTimeout(timer);
        client.off('ready', check);
        for (const node of watched) node.off('ready', check);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`Redis not ready within ${timeoutMs} ms (status ${client.status})`));
      }, timeoutMs);
      client.on('ready', check);
      check();
    }).finally(() => waits?.delete(slot));
    waits.set(slot, wait);
  }
  return wait;
}
