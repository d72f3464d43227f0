import { createHash, createHmac } from 'node:crypto';
import { type Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoCouponCatalog } from '#adapters/dynamodb/coupon-catalog';
import { DynamoIssuedCouponStore } from '#adapters/dynamodb/issued-coupon-store';
import { RedisCouponQueue } from '#adapters/redis/coupon-queue';
import { ioredisScripts } from '#adapters/redis/scripts';
import { CACHE_ACCESS_STRING } from '#commons/cache-auth';
import { createDynamoDbClient } from '#commons/clients/dynamodb';
import { createRedisClient, type RedisClient, whenReady } from '#commons/clients/redis';
import {
  IamAuth,
  type IamAuthSettings,
  iamAuthFromEnv,
  signAuthToken,
  TOKEN_LIFETIME_SECONDS,
} from '#commons/clients/redis-auth';
import { tablesConfig } from '#commons/config';
import { createCoupon, requestCoupon, requestStatus } from '#domain/coupons';
import { type LocalRedisCluster, startRedisCluster } from '#local/redis-cluster';
import { type LocalRedis, startRedis } from '#local/redis-server';
import { drainOver } from './support/engine';
import { uniqueId } from './support/helpers';

// IAM authentication to the cache: the token signer checked against SigV4 computed here by hand,
// and the refresh and re-authentication against real redis-servers (a single node and a
// three-master cluster, started by this file) whose ACL user has the current token as password
// and the access string the stack gives the functions' user, the default user switched off.

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE+session/token==',
};
const USER = 'fcfs-functions';
const T0 = new Date('2026-11-27T09:00:00Z');
const settings = (
  target: IamAuthSettings['target'] = 'elasticache-serverless',
): Omit<IamAuthSettings, 'now'> => ({
  target,
  cacheName: 'FcfsCoupons-Cache',
  userId: USER,
  region: 'eu-west-1',
  credentials,
});

/** Signature V4 of a presigned GET with only `host` signed, computed from the spec, not the SDK. */
function sigV4(token: string, region: string, service: string) {
  const [host = '', query = ''] = token.split('/?');
  const params = new URLSearchParams(query);
  const signature = params.get('X-Amz-Signature');
  params.delete('X-Amz-Signature');
  const encode = (text: string) =>
    encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const canonicalQuery = [...params]
    .map(([key, value]) => `${encode(key)}=${encode(value)}`)
    .sort()
    .join('&');
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  const canonicalRequest = ['GET', '/', canonicalQuery, `host:${host}`, '', 'host', sha256('')].join('\n');
  const date = params.get('X-Amz-Date') ?? '';
  const scope = `${date.slice(0, 8)}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', date, scope, sha256(canonicalRequest)].join('\n');
  let key: Buffer | string = `AWS4${credentials.secretAccessKey}`;
  for (const part of [date.slice(0, 8), region, service, 'aws4_request'])
    key = createHmac('sha256', key).update(part).digest();
  return { host, params, signature, expected: createHmac('sha256', key).update(stringToSign).digest('hex') };
}

describe('the token signer', () => {
  it('presigns an ElastiCache Serverless connect request for the user, valid 15 minutes', async () => {
    const token = await signAuthToken(settings(), credentials, T0);
    const { host, params, signature, expected } = sigV4(token, 'eu-west-1', 'elasticache');
    expect(token.startsWith('fcfscoupons-cache/?')).toBe(true);
    expect(host).toBe('fcfscoupons-cache');
    expect(Object.fromEntries(params)).toEqual({
      Action: 'connect',
      User: USER,
      ResourceType: 'ServerlessCache',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIDEXAMPLE/20261127/eu-west-1/elasticache/aws4_request',
      'X-Amz-Date': '20261127T090000Z',
      'X-Amz-Expires': String(TOKEN_LIFETIME_SECONDS),
      'X-Amz-Security-Token': credentials.sessionToken,
      'X-Amz-SignedHeaders': 'host',
    });
    expect(TOKEN_LIFETIME_SECONDS).toBe(900);
    expect(signature).toBe(expected);
  });

  it('signs for a replication group without ResourceType, and for MemoryDB with its own service', async () => {
    const nodes = sigV4(
      await signAuthToken(settings('elasticache'), credentials, T0),
      'eu-west-1',
      'elasticache',
    );
    expect(nodes.params.has('ResourceType')).toBe(false);
    expect(nodes.signature).toBe(nodes.expected);
    const memorydb = sigV4(
      await signAuthToken(settings('memorydb'), credentials, T0),
      'eu-west-1',
      'memorydb',
    );
    expect(memorydb.params.get('X-Amz-Credential')).toBe(
      'AKIDEXAMPLE/20261127/eu-west-1/memorydb/aws4_request',
    );
    expect(memorydb.params.has('ResourceType')).toBe(false);
    expect(memorydb.signature).toBe(memorydb.expected);
  });

  it('gives a new token for a new signing time', async () => {
    const later = new Date(T0.getTime() + 600_000);
    expect(await signAuthToken(settings(), credentials, later)).not.toBe(
      await signAuthToken(settings(), credentials, T0),
    );
  });
});

describe('configuration from the environment', () => {
  it('is off without REDIS_IAM_AUTH, and names what is missing or wrong', () => {
    expect(iamAuthFromEnv({})).toBeUndefined();
    const auth = iamAuthFromEnv({
      REDIS_IAM_AUTH: 'memorydb',
      REDIS_IAM_CACHE: 'c',
      REDIS_IAM_USER: 'u',
      AWS_REGION: 'eu-west-1',
    });
    expect(auth?.username).toBe('u');
    expect(() => iamAuthFromEnv({ REDIS_IAM_AUTH: 'rds' })).toThrow(/REDIS_IAM_AUTH must be one of/);
    expect(() => iamAuthFromEnv({ REDIS_IAM_AUTH: 'elasticache', REDIS_IAM_USER: 'u' })).toThrow(
      /REDIS_IAM_CACHE is required/,
    );
  });
});

/** Lets USER in with exactly these tokens as passwords, under the stack's access string. */
async function allow(admin: Redis, tokens: string[]) {
  await admin.acl('SETUSER', USER, 'reset', ...CACHE_ACCESS_STRING.split(' '), ...tokens.map((t) => `>${t}`));
}

/** An admin connection, then the default user off: nothing works without authenticating. */
async function lockDown(url: string): Promise<Redis> {
  const admin = new Redis(url);
  await admin.acl('SETUSER', 'admin', 'on', '>admin-secret', '~*', '&*', '+@all');
  await admin.auth('admin', 'admin-secret');
  await admin.acl('SETUSER', 'default', 'off');
  return admin;
}

/** Create, request, drain, status: the real flow, through `client`, under the user's ACL. */
async function flow(client: RedisClient) {
  const queue = new RedisCouponQueue(client, 2000);
  const db = createDynamoDbClient(tablesConfig());
  const store = new DynamoIssuedCouponStore(db, tablesConfig());
  const catalog = new DynamoCouponCatalog(db, tablesConfig().couponsTable);
  try {
    const couponId = uniqueId('iam');
    const drain = drainOver({ catalog, queue, store }, { batchSize: 10 });
    // A new Redis: the drain's first run puts the sentinels in (SET and EXISTS under the ACL too).
    await drain.reconcile(Date.now() + 10_000);
    await createCoupon({ catalog, queue }, { couponId, name: couponId, stock: 2 }, 'iam-create');
    expect(await requestCoupon({ queue, store }, couponId, 'u1')).toEqual({ status: 'QUEUED', position: 1 });
    await drain.tick(Date.now() + 10_000);
    expect(await requestStatus({ queue, store }, couponId, 'u1')).toMatchObject({ status: 'ISSUED' });
  } finally {
    db.destroy();
  }
}

/** A clock the test moves, so that each refresh signs a token of its own. */
function clock() {
  let now = T0.getTime();
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) };
}

const authFailures = async (admin: Redis) =>
  ((await admin.acl('LOG')) as unknown[][]).filter(
    (entry) => entry[entry.indexOf('reason') + 1] === 'auth' && entry[entry.indexOf('username') + 1] === USER,
  ).length;

describe('a single node with an IAM-style ACL user', () => {
  let server: LocalRedis;
  let admin: Redis;
  beforeAll(async () => {
    server = await startRedis();
    admin = await lockDown(server.url);
  });
  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
  });
  const config = () => ({ urls: [server.url], cluster: false, keyPrefix: 'iam:', timeoutMs: 2000 });

  it('connects with the signed token and runs the whole flow under the access string', async () => {
    const time = clock();
    await allow(admin, [await signAuthToken(settings(), credentials, time.now())]);
    const auth = new IamAuth({ ...settings(), now: time.now });
    const client = createRedisClient(config(), { scripts: ioredisScripts(), auth });
    try {
      await flow(client);
      expect(await client.acl('WHOAMI')).toBe(USER);
    } finally {
      client.disconnect();
    }
  });

  it('is refused with a token the server does not hold', async () => {
    await allow(admin, ['some-other-token']);
    const client = createRedisClient(config(), {
      scripts: ioredisScripts(),
      auth: new IamAuth({ ...settings(), now: clock().now }),
    });
    try {
      await expect(new RedisCouponQueue(client, 300).status('x', 'u')).rejects.toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
      });
      expect(client.status).not.toBe('ready');
    } finally {
      client.disconnect();
    }
  });

  it('re-authenticates the live connection with each new token, and reconnects with the newest', async () => {
    const time = clock();
    const first = await signAuthToken(settings(), credentials, time.now());
    await allow(admin, [first]);
    const auth = new IamAuth({ ...settings(), now: time.now });
    const client = createRedisClient(config(), { scripts: ioredisScripts(), auth });
    try {
      await whenReady(client, 2000);
      expect(auth.token).toBe(first);

      // Ten minutes on: a new token, sent at once as AUTH on the live connection. The server
      // still holds only the first, so it refuses it (ACL LOG), and the connection carries on.
      await admin.acl('LOG', 'RESET');
      time.advance(10 * 60_000);
      const second = await auth.refresh();
      expect(second).not.toBe(first);
      await expect.poll(() => authFailures(admin)).toBe(1);
      expect(await client.ping()).toBe('PONG');

      // The server now holds only the new token; the connection dies; the client comes back with it.
      await allow(admin, [second]);
      await admin.client('KILL', 'USER', USER);
      await expect.poll(() => client.ping().catch((e: Error) => e.message)).toBe('PONG');
      expect(await client.acl('WHOAMI')).toBe(USER);
    } finally {
      client.disconnect();
    }
  });

  it('refreshes by itself before the token expires, and stops when the client ends', async () => {
    const time = clock();
    // Any password will do here: this is about the timer, not the server.
    await admin.acl('SETUSER', USER, 'reset', ...CACHE_ACCESS_STRING.split(' '), 'nopass');
    const auth = new IamAuth({
      ...settings(),
      now: () => new Date(time.advance(60_000)),
      refreshEveryMs: 20,
    });
    const client = createRedisClient(config(), { scripts: ioredisScripts(), auth });
    await whenReady(client, 2000);
    const seen = new Set<string>();
    await expect.poll(() => seen.add(auth.token as string).size).toBeGreaterThanOrEqual(3);
    expect(auth.refreshing).toBe(true);
    client.disconnect();
    await expect.poll(() => auth.refreshing).toBe(false);
  });
});

describe('a Redis Cluster with an IAM-style ACL user on every node', () => {
  let cluster: LocalRedisCluster;
  let admins: Redis[] = [];
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    admins = await Promise.all(cluster.nodes.map((node) => lockDown(node.url)));
  });
  afterAll(async () => {
    for (const admin of admins) admin.disconnect();
    await cluster?.stop();
  });
  const config = () => ({ urls: cluster.url.split(','), cluster: true, keyPrefix: 'iam:', timeoutMs: 2000 });

  it('connects every node with the token, and reconnects them all with the next one', async () => {
    const time = clock();
    const first = await signAuthToken(settings(), credentials, time.now());
    await Promise.all(admins.map((admin) => allow(admin, [first])));
    const auth = new IamAuth({ ...settings(), now: time.now });
    const client = createRedisClient(config(), { scripts: ioredisScripts(), auth }) as Cluster;
    try {
      await flow(client);
      time.advance(10 * 60_000);
      const second = await auth.refresh();
      await Promise.all(admins.map((admin) => allow(admin, [second])));
      await Promise.all(admins.map((admin) => admin.client('KILL', 'USER', USER)));
      // Nodes made again after the kill take the new token from the cluster's options.
      await expect
        .poll(
          () =>
            flow(client).then(
              () => 'ok',
              (e: Error) => e.message,
            ),
          { timeout: 15_000 },
        )
        .toBe('ok');
      for (const node of client.nodes('all')) expect(node.options.password).toBe(second);
    } finally {
      client.disconnect();
    }
  });
});
