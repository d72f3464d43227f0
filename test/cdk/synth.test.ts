import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '#functions/routes';
import { allFiles, ENTRY_FILE, staticFiles } from '../../lib/constructs/bundling';

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
  return execFileSync(process.execPath, ['node_modules/aws-cdk/bin/cdk', 'synth', '--quiet', ...args], {
    env: { ...env, CDK_DEFAULT_REGION: 'eu-west-1' },
    stdio: 'pipe',
    timeout: 120_000,
  });
};

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
  loaded: string[];
  all: string[];
  text: (files: string[]) => string;
  kib: (files: string[]) => number;
}

const bundles = new Map<string, Bundle>();

beforeAll(() => {
  // The production shape: JWT identity, browsers allowed, CloudFront and WAF (a second stack in us-east-1).
  const context = {
    jwtIssuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123',
    jwtAudience: 'client-id',
    allowedOrigins: 'https://shop.example.com',
    waf: 'true',
  };
  cdk(['--output', outdir, ...Object.entries(context).flatMap(([key, value]) => ['-c', `${key}=${value}`])]);
  const template = JSON.parse(readFileSync(join(outdir, 'FcfsCoupons.template.json'), 'utf8'));
  const functions = Object.values(
    template.Resources as Record<
      string,
      { Type: string; Properties: { Description?: string; Handler?: string; Code: { S3Key: string } } }
    >,
  ).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === 'index.handler');
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
  let stderr = '';
  try {
    cdk(['--output', refusedOutdir]);
  } catch (error) {
    stderr = String((error as { stderr: Buffer }).stderr);
  }
  expect(stderr).toContain('User routes need an identity');
  expect(stderr).toContain('-c jwtIssuer=https://cognito-idp.');
  expect(stderr).toContain('-c openUserRoutes=true');
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
