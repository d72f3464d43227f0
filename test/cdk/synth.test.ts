import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '#functions/routes';
import { freePort } from '#local/ports';
import { lambdaEnvironment, node24, runBundle } from '../../bench/lambda-environment';
import { allFiles, ENTRY_FILE, HANDLER, staticFiles } from '../../lib/constructs/bundling';
import { apiGatewayEvent } from '../support/api-gateway';
import { testRedis } from '../support/helpers';

// `cdk synth` as a user runs it after `npm ci`: the CLI from node_modules, cdk.json's app, the
// Lambda code bundled by the local esbuild (no Docker), no AWS credentials, nothing fetched.
// Then what each synthesized bundle holds: what loads before its handler is ready (the entry and
// the chunks it imports statically) and what only behind an import(), against a size budget.

const outdir = mkdtempSync(join(tmpdir(), 'cdk-synth-'));
const refusedOutdir = mkdtempSync(join(tmpdir(), 'cdk-synth-'));
afterAll(() => {
  for (const dir of [outdir, refusedOutdir]) rmSync(dir, { recursive: true, force: true });
});

const cdk = (args: string[]) => {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('AWS_')) delete env[key];
  return promisify(execFile)(
    process.execPath,
    ['node_modules/aws-cdk/bin/cdk', 'synth', '--quiet', ...args],
    {
      env: { ...env, CDK_DEFAULT_REGION: 'eu-west-1' },
      timeout: 120_000,
    },
  );
};
/** What `cdk synth` printed on stderr when refused (no identity configuration); empty if it was not. */
let refusal = '';

/** A string each library's bundled code carries, minified or not. */
const CODE = {
  dynamodb: 'DynamoDB_20120810', // @aws-sdk/client-dynamodb's protocol target
  ioredis: 'ioredis:connect', // ioredis's debug namespace
  xray: 'AWS_XRAY_DAEMON_ADDRESS', // aws-xray-sdk-core, behind the Powertools Tracer
  powertools: 'POWERTOOLS_SERVICE_NAME',
  zod: '$ZodType',
  middy: 'Middleware must be an object',
} as const;
type Library = keyof typeof CODE;

interface Expectation {
  /** Never before the handler is ready. */
  notLoaded: Library[];
  /** In the bundle, but only behind an import(). */
  lazy: Library[];
  /** KiB loaded before ready, and of the whole bundle (.mjs files). */
  budget: { loaded: number; total: number };
}

const ADMIN: Expectation = { notLoaded: ['xray'], lazy: ['xray'], budget: { loaded: 520, total: 800 } };
const STATUS: Expectation = {
  notLoaded: ['dynamodb', 'xray'],
  lazy: ['dynamodb', 'xray'],
  // ioredis is about 130 KiB of what loads, the cache's IAM token signer (SigV4) about 80.
  budget: { loaded: 360, total: 860 },
};
const EXPECTED: Record<string, Expectation> = {
  CreateCoupon: ADMIN,
  ListCoupons: ADMIN,
  GetCoupon: ADMIN,
  ChangeWindow: ADMIN,
  AddStock: ADMIN,
  RequestCoupon: STATUS,
  GetRequest: STATUS,
  UserCoupons: { notLoaded: ['ioredis', 'xray'], lazy: ['xray'], budget: { loaded: 340, total: 620 } },
  Health: {
    notLoaded: ['dynamodb', 'ioredis', 'xray', 'powertools', 'zod', 'middy'],
    lazy: [],
    budget: { loaded: 1, total: 1 },
  },
  Drain: { notLoaded: ['xray'], lazy: ['xray'], budget: { loaded: 500, total: 780 } },
  // 405 with Allow for any other method: the HTTP chain and the route table, no store.
  OtherMethods: {
    notLoaded: ['dynamodb', 'ioredis', 'xray'],
    lazy: ['xray'],
    budget: { loaded: 340, total: 620 },
  },
};

interface Bundle {
  dir: string;
  /** The function's environment variables in the template (a reference is an object). */
  variables: Record<string, unknown>;
  loaded: string[];
  all: string[];
  text: (files: string[]) => string;
  kib: (files: string[]) => number;
}

const bundles = new Map<string, Bundle>();

beforeAll(async () => {
  // The production shape: JWT identity, browsers allowed, CloudFront and WAF (a second stack in us-east-1).
  const context = {
    jwtIssuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123',
    jwtAudience: 'client-id',
    allowedOrigins: 'https://shop.example.com',
    waf: 'true',
  };
  // The refused synth runs alongside: it stops before bundling.
  const [refused] = await Promise.all([
    cdk(['--output', refusedOutdir]).then(
      () => '',
      (error: { stderr?: string }) => String(error.stderr),
    ),
    cdk([
      '--output',
      outdir,
      ...Object.entries(context).flatMap(([key, value]) => ['-c', `${key}=${value}`]),
    ]),
  ]);
  refusal = refused;
  const template = JSON.parse(readFileSync(join(outdir, 'FcfsCoupons.template.json'), 'utf8'));
  const functions = Object.values(
    template.Resources as Record<
      string,
      {
        Type: string;
        Properties: {
          Description?: string;
          Handler?: string;
          Code: { S3Key: string };
          Environment?: { Variables?: Record<string, unknown> };
        };
      }
    >,
  ).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === HANDLER);
  for (const { Properties: p } of functions) {
    const name =
      ROUTES.find((route) => p.Description === `${route.method} ${route.path}`)?.name ??
      (p.Description?.startsWith('Drains')
        ? 'Drain'
        : p.Description?.startsWith('Any other method')
          ? 'OtherMethods'
          : String(p.Description));
    const dir = join(outdir, `asset.${p.Code.S3Key.replace(/\.zip$/, '')}`);
    bundles.set(name, {
      dir,
      variables: p.Environment?.Variables ?? {},
      loaded: staticFiles(dir),
      all: allFiles(dir),
      text: (files) => files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n'),
      kib: (files) => files.reduce((sum, f) => sum + statSync(join(dir, f)).size, 0) / 1024,
    });
  }
}, 150_000);

const bundle = (name: string): Bundle => {
  const found = bundles.get(name);
  if (!found) throw new Error(`No bundle for ${name}; found ${[...bundles.keys()].join(', ')}`);
  return found;
};

it('refuses to synthesize without an identity configuration, and says how to give one', () => {
  expect(refusal).toContain('User routes need an identity');
  expect(refusal).toContain('-c jwtIssuer=https://cognito-idp.');
  expect(refusal).toContain('-c openUserRoutes=true');
});

it('synthesizes offline a bundle of its own for every route and the drain', () => {
  expect(existsSync(join(outdir, 'FcfsCouponsEdge.template.json'))).toBe(true);
  expect([...bundles.keys()].sort()).toEqual(Object.keys(EXPECTED).sort());
  expect(new Set([...bundles.values()].map((b) => b.dir)).size).toBe(bundles.size);
});

it('inlines the Lua scripts and gives the ESM bundle a require()', () => {
  const drain = bundle('Drain').text(bundle('Drain').loaded);
  // A short, unique line of claim.lua and of the prelude every script carries; `contains` keeps a
  // failure message short (a whole bundle would be printed otherwise).
  const contains = (text: string, part: string) => expect(text.includes(part), part).toBe(true);
  contains(drain, "redis.call('ZPOPMIN', KEYS[2], tonumber(ARGV[1]))");
  contains(drain, 'local function readCoupon(stateKey, queueKey, now)');
  contains(drain, 'import { createRequire }');
  const request = bundle('RequestCoupon').text(bundle('RequestCoupon').loaded);
  contains(request, "redis.call('ZADD', KEYS[2], 'NX', int(score), user)");
  // The cache's IAM token signer is in the bundle.
  contains(bundle('RequestCoupon').text(bundle('RequestCoupon').all), 'ServerlessCache');
});

describe.each(Object.entries(EXPECTED))('%s', (name, expected) => {
  it('loads before ready none of what it does not use at init, and keeps the rest lazy', () => {
    const { loaded, all, text } = bundle(name);
    const atInit = text(loaded);
    const everything = text(all);
    for (const library of expected.notLoaded) {
      expect(atInit.includes(CODE[library]), `${library} loaded at init`).toBe(false);
    }
    for (const library of expected.lazy) {
      expect(everything.includes(CODE[library]), `${library} in the bundle`).toBe(true);
    }
  });

  it('stays within its size budget, minified with source maps', () => {
    const { dir, loaded, all, kib, text } = bundle(name);
    expect(kib(loaded), 'KiB loaded before ready').toBeLessThanOrEqual(expected.budget.loaded);
    expect(kib(all), 'KiB of the whole bundle').toBeLessThanOrEqual(expected.budget.total);
    // Unminified esbuild output names each module in a comment; minified output does not.
    expect(text(all).includes('// node_modules/')).toBe(false);
    for (const file of all) {
      expect(
        readFileSync(join(dir, file), 'utf8')
          .trimEnd()
          .endsWith(`sourceMappingURL=${file.split('/').pop()}.map`),
        file,
      ).toBe(true);
      expect(existsSync(join(dir, `${file}.map`)), `${file}.map`).toBe(true);
    }
    expect(all).toContain(ENTRY_FILE);
  });
});

it('the signatures above are found where those libraries are loaded', () => {
  // So that a renamed string cannot make the checks above pass vacuously.
  const atInit = (name: string) => bundle(name).text(bundle(name).loaded);
  expect(atInit('UserCoupons').includes(CODE.dynamodb)).toBe(true);
  expect(atInit('RequestCoupon').includes(CODE.ioredis)).toBe(true);
  expect(atInit('RequestCoupon').includes(CODE.powertools)).toBe(true);
  expect(atInit('RequestCoupon').includes(CODE.zod)).toBe(true);
  expect(atInit('RequestCoupon').includes(CODE.middy)).toBe(true);
});

describe('every synthesized bundle on Node.js 24 (the node@24 package), as Lambda runs it', () => {
  const IAM_USER = 'bundle-iam-user';
  const couponId = `b24-${randomUUID().slice(0, 8)}`;
  const sub = `u-${randomUUID().slice(0, 8)}`;
  const claims = {
    authorizer: { jwt: { claims: { sub } } },
  } as unknown as APIGatewayProxyEventV2['requestContext'];
  const edge = { 'x-origin-verify': 'bundle-test-secret' };

  /** Runs `name`'s bundle with the stack's environment, the stores made local, for `events`. */
  const run = (name: string, events: unknown[], redisUrl = process.env.REDIS_URL as string) => {
    const { dir, variables } = bundle(name);
    const local = {
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: process.env.REDIS_KEY_PREFIX as string,
      COUPONS_TABLE: process.env.COUPONS_TABLE as string,
      ISSUED_TABLE: process.env.ISSUED_TABLE as string,
      DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT as string,
      REDIS_IAM_CACHE: 'bundle-test-cache',
      REDIS_IAM_USER: IAM_USER,
      ORIGIN_VERIFY_SECRET: edge['x-origin-verify'],
    };
    const env = lambdaEnvironment(name, dir, variables, local);
    // Killed well within the test timeout, so that a bundle that hangs fails with its own stderr.
    return runBundle(
      node24(),
      { dir, entry: pathToFileURL(join(dir, ENTRY_FILE)).href, env },
      events,
      20_000,
    );
  };
  const call = (route: string, over: Partial<APIGatewayProxyEventV2> = {}) =>
    apiGatewayEvent(route, { requestContext: claims, ...over, headers: { ...edge, ...over.headers } });
  const answers = async (name: string, events: unknown[]) =>
    (await run(name, events)).invocations.map(({ statusCode, body }) => ({
      statusCode,
      body: body === undefined ? undefined : JSON.parse(body),
    }));

  beforeAll(async () => {
    // The stack signs an IAM token for the cache during init; redis-server cannot check one, so
    // the user takes any password.
    const redis = testRedis();
    await redis.call('ACL', 'SETUSER', IAM_USER, 'on', 'nopass', '~*', '&*', '+@all');
    redis.disconnect();
  });

  it("a coupon created, requested, drained and found in the user's coupons, each by its own bundle", async () => {
    const [created] = await answers('CreateCoupon', [
      call('POST /coupons', { body: JSON.stringify({ couponId, name: 'Bundled', stock: 5 }) }),
    ]);
    expect(created).toMatchObject({ statusCode: 201, body: { couponId, stock: 5 } });

    const path = { couponId };
    const [requested] = await answers('RequestCoupon', [
      call('POST /coupons/{couponId}/requests', { pathParameters: path, body: '{}' }),
    ]);
    expect(requested).toMatchObject({ statusCode: 202, body: { status: 'QUEUED' } });

    const drained = await run('Drain', [
      { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} },
    ]);
    expect(drained.invocations).toHaveLength(1);

    const [status] = await answers('GetRequest', [
      call('GET /coupons/{couponId}/requests/{userId}', { pathParameters: { ...path, userId: 'me' } }),
    ]);
    expect(status).toMatchObject({ statusCode: 200, body: { status: 'ISSUED' } });
    const [mine] = await answers('UserCoupons', [
      call('GET /users/{userId}/coupons', { pathParameters: { userId: 'me' } }),
    ]);
    expect(mine).toMatchObject({
      statusCode: 200,
      body: { items: [{ couponId, userId: sub, used: false }] },
    });
  });

  it('the admin bundles read and change it, health answers, other methods get 405', async () => {
    const path = { couponId };
    const [listed] = await answers('ListCoupons', [call('GET /coupons')]);
    expect(listed?.statusCode).toBe(200);
    const [got] = await answers('GetCoupon', [call('GET /coupons/{couponId}', { pathParameters: path })]);
    expect(got).toMatchObject({ statusCode: 200, body: { couponId } });
    const [added] = await answers('AddStock', [
      call('POST /coupons/{couponId}/stock', { pathParameters: path, body: JSON.stringify({ add: 1 }) }),
    ]);
    expect(added).toMatchObject({ statusCode: 200, body: { stock: 6 } });
    const closesAt = new Date(Date.now() + 86_400_000).toISOString();
    const [changed] = await answers('ChangeWindow', [
      call('PATCH /coupons/{couponId}', { pathParameters: path, body: JSON.stringify({ closesAt }) }),
    ]);
    expect(changed).toMatchObject({ statusCode: 200, body: { closesAt } });
    const [health] = await answers('Health', [call('GET /health')]);
    expect(health?.statusCode).toBe(200);
    const [other] = await answers('OtherMethods', [
      call('ANY /coupons', {
        rawPath: '/coupons',
        requestContext: { http: { method: 'DELETE' } } as APIGatewayProxyEventV2['requestContext'],
      }),
    ]);
    expect(other).toMatchObject({ statusCode: 405, body: { error: 'METHOD_NOT_ALLOWED' } });
  });

  it('a stack a function logs names its TypeScript source, without --enable-source-maps', async () => {
    expect(bundle('GetRequest').variables.NODE_OPTIONS).toBeUndefined();
    // A port nothing listens on: the status read fails, and the function logs why.
    const port = await freePort();
    const { invocations, stderr } = await run(
      'GetRequest',
      [call('GET /coupons/{couponId}/requests/{userId}', { pathParameters: { couponId, userId: 'me' } })],
      `redis://127.0.0.1:${port}`,
    );
    expect(invocations[0]?.statusCode).toBe(503);
    const logged = stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line))
      .find((line) => line.message === 'Dependency unavailable');
    // Powertools reads the location from the stack's first frame.
    expect(logged?.error?.location).toMatch(/^functions\/commons\/clients\/redis\.ts:\d+$/);
    expect(logged?.error?.stack).toMatch(/\n {4}at .+ \(functions\/commons\/clients\/redis\.ts:\d+:\d+\)/);
    expect(logged?.error?.stack).not.toContain(ENTRY_FILE);
  });
});
