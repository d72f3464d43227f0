import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { formatUrl } from '@aws-sdk/util-format-url';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { Cluster } from 'ioredis';
import { IAM_AUTH_TARGETS, type IamAuthTarget } from '../cache-auth';
import { ConfigError } from '../config';
import { logger } from '../powertools';
import type { RedisAuth, RedisClient } from './redis';

// IAM authentication to ElastiCache (Serverless and node-based) and MemoryDB: the password is a
// short-lived SigV4-presigned token signed with the function's own role, so no secret is stored
// or shipped anywhere. Signing is local (no call to AWS), so the functions need no endpoint.

/** ElastiCache and MemoryDB accept a token for 15 minutes after it was signed. */
export const TOKEN_LIFETIME_SECONDS = 900;
/** A new token every 10 minutes: whatever reconnects uses one with at least 5 minutes left. */
const REFRESH_EVERY_MS = 10 * 60_000;
/** After a failed signing (credentials not ready), try again soon: the current token still holds. */
const RETRY_AFTER_FAILURE_MS = 5_000;

type Credentials = ConstructorParameters<typeof SignatureV4>[0]['credentials'];

export interface IamAuthSettings {
  /** ElastiCache node-based, ElastiCache Serverless (signed with ResourceType=ServerlessCache), or MemoryDB. */
  target: IamAuthTarget;
  /** The serverless cache's name, the replication group's id, or the MemoryDB cluster's name. */
  cacheName: string;
  /** The IAM-enabled user: on ElastiCache its id (equal to its name), on MemoryDB its name. */
  userId: string;
  region: string;
  /** @default the SDK's default provider chain (on Lambda: the function role's credentials) */
  credentials?: Credentials;
  /** @default the system clock */
  now?: () => Date;
  /** @default 10 minutes */
  refreshEveryMs?: number;
}

/** One token: the presigned `connect` request, without its scheme, as AWS's own examples build it. */
export async function signAuthToken(
  settings: Pick<IamAuthSettings, 'target' | 'cacheName' | 'userId' | 'region'>,
  credentials: Credentials,
  signingDate: Date,
): Promise<string> {
  const service = settings.target === 'memorydb' ? 'memorydb' : 'elasticache';
  const hostname = settings.cacheName.toLowerCase();
  const signer = new SignatureV4({
    service,
    region: settings.region,
    credentials,
    sha256: Hash.bind(null, 'sha256'),
  });
  const presigned = await signer.presign(
    {
      method: 'GET',
      protocol: 'http:',
      hostname,
      path: '/',
      query: {
        Action: 'connect',
        User: settings.userId,
        ...(settings.target === 'elasticache-serverless' ? { ResourceType: 'ServerlessCache' } : {}),
      },
      headers: { host: hostname },
    },
    { expiresIn: TOKEN_LIFETIME_SECONDS, signingDate },
  );
  return formatUrl(presigned).replace('http://', '');
}

/** Sets the credentials a (re)connection uses, on the client and, for a cluster, on every node. */
function useCredentials(client: RedisClient, username: string, password: string): void {
  if (client instanceof Cluster) {
    // Nodes made later (after a failover or a slot move) copy the cluster's redisOptions.
    if (client.options.redisOptions) Object.assign(client.options.redisOptions, { username, password });
    for (const node of client.nodes('all')) Object.assign(node.options, { username, password });
  } else {
    Object.assign(client.options, { username, password });
  }
}

/** A client made to wait for its first token connects once it has one. */
function connectIfWaiting(client: RedisClient): void {
  if (client.status === 'wait') client.connect().catch(() => {});
}

/**
 * Keeps a client authenticated with IAM tokens. The client is made without connecting
 * (createRedisClient does so when given an auth); `attach` signs the first token, then connects.
 * Every 10 minutes a new token replaces the old one for whatever connects next (a reconnect, a
 * new cluster node), and the live connections send AUTH with it: ElastiCache and MemoryDB close
 * an IAM-authenticated connection after 12 hours unless it re-authenticates.
 */
export class IamAuth implements RedisAuth {
  private readonly credentials: Credentials;
  private readonly now: () => Date;
  private readonly refreshEveryMs: number;
  private readonly clients = new Set<RedisClient>();
  private timer: NodeJS.Timeout | undefined;
  private current: string | undefined;

  constructor(private readonly settings: IamAuthSettings) {
    this.credentials = settings.credentials ?? fromNodeProviderChain();
    this.now = settings.now ?? (() => new Date());
    this.refreshEveryMs = settings.refreshEveryMs ?? REFRESH_EVERY_MS;
  }

  get username(): string {
    return this.settings.userId;
  }

  /** The token in use; undefined until the first one is signed. */
  get token(): string | undefined {
    return this.current;
  }

  attach(client: RedisClient): void {
    this.clients.add(client);
    client.once('end', () => this.detach(client));
    if (!this.current) {
      this.refresh().catch(() => {});
      return;
    }
    useCredentials(client, this.username, this.current);
    connectIfWaiting(client);
  }

  /** Whether a next token is scheduled (while a client is attached). */
  get refreshing(): boolean {
    return this.timer !== undefined;
  }

  /** Signs a new token and hands it to every attached client. Schedules the next refresh. */
  async refresh(): Promise<string> {
    clearTimeout(this.timer);
    this.timer = undefined;
    try {
      const token = await signAuthToken(this.settings, this.credentials, this.now());
      this.current = token;
      for (const client of this.clients) {
        useCredentials(client, this.username, token);
        this.reauthenticate(client, token);
        connectIfWaiting(client);
      }
      this.schedule(this.refreshEveryMs);
      return token;
    } catch (error) {
      logger.error('Could not sign a cache authentication token; retrying', error as Error);
      this.schedule(RETRY_AFTER_FAILURE_MS);
      throw error;
    }
  }

  /** Stops refreshing (the clients' `end` does it too). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.clients.clear();
  }

  private detach(client: RedisClient): void {
    this.clients.delete(client);
    if (this.clients.size === 0) this.stop();
  }

  private schedule(delayMs: number): void {
    if (this.clients.size === 0) return;
    this.timer = setTimeout(() => this.refresh().catch(() => {}), delayMs);
    // Never keep a process (the local runtime, a test) alive for the next token.
    this.timer.unref();
  }

  private reauthenticate(client: RedisClient, token: string): void {
    const connections = client instanceof Cluster ? client.nodes('all') : [client];
    for (const connection of connections) {
      if (connection.status !== 'ready') continue;
      // A refused AUTH leaves the connection as it was; the next reconnect tells the truth.
      connection.auth(this.username, token).catch((error: Error) => {
        logger.warn('Cache refused a re-authentication', { error: error.message });
      });
    }
  }
}

/**
 * IAM authentication from the environment, as the stack sets it: REDIS_IAM_AUTH (elasticache,
 * elasticache-serverless or memorydb), REDIS_IAM_CACHE, REDIS_IAM_USER, and AWS_REGION (set by
 * Lambda). Unset REDIS_IAM_AUTH: no authentication (the local runtime and the tests).
 */
export function iamAuthFromEnv(env: Record<string, string | undefined> = process.env): IamAuth | undefined {
  const target = env.REDIS_IAM_AUTH?.trim();
  if (!target) return undefined;
  if (!(IAM_AUTH_TARGETS as readonly string[]).includes(target)) {
    throw new ConfigError(
      `Environment variable REDIS_IAM_AUTH must be one of ${IAM_AUTH_TARGETS.join(', ')}, got "${target}".`,
    );
  }
  const need = (name: string) => {
    const value = env[name]?.trim();
    if (!value) throw new ConfigError(`Environment variable ${name} is required with REDIS_IAM_AUTH.`);
    return value;
  };
  return new IamAuth({
    target: target as IamAuthTarget,
    cacheName: need('REDIS_IAM_CACHE'),
    userId: need('REDIS_IAM_USER'),
    region: env.AWS_REGION?.trim() || need('AWS_DEFAULT_REGION'),
  });
}
