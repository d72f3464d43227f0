import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

// `cdk synth` as a user runs it after `npm ci`: the CLI from node_modules, cdk.json's app, the
// Lambda code bundled by the local esbuild (no Docker), no AWS credentials, nothing fetched.

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

it('synthesizes offline, bundling each function with its Lua scripts inlined', () => {
  // The production shape: JWT identity, browsers allowed, CloudFront and WAF (a second stack in us-east-1).
  const context = {
    jwtIssuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123',
    jwtAudience: 'client-id',
    allowedOrigins: 'https://shop.example.com',
    waf: 'true',
  };
  cdk(['--output', outdir, ...Object.entries(context).flatMap(([key, value]) => ['-c', `${key}=${value}`])]);
  expect(existsSync(join(outdir, 'FcfsCouponsEdge.template.json'))).toBe(true);
  const template = JSON.parse(readFileSync(join(outdir, 'FcfsCoupons.template.json'), 'utf8'));
  const bundleOf = (descriptionPrefix: string) => {
    const fn = Object.values(
      template.Resources as Record<
        string,
        { Type: string; Properties: { Description?: string; Code: { S3Key: string } } }
      >,
    ).find(
      (r) =>
        r.Type === 'AWS::Lambda::Function' &&
        String(r.Properties.Description ?? '').startsWith(descriptionPrefix),
    );
    const hash = String(fn?.Properties.Code.S3Key).replace(/\.zip$/, '');
    const file = join(outdir, `asset.${hash}`, 'index.mjs');
    expect(existsSync(file), descriptionPrefix).toBe(true);
    return readFileSync(file, 'utf8');
  };
  const drain = bundleOf('Drains coupon queues');
  // A short, unique line of claim.lua and of the prelude every script carries; `contains` keeps a
  // failure message short (a whole bundle would be printed otherwise).
  const contains = (bundle: string, text: string) => expect(bundle.includes(text), text).toBe(true);
  contains(drain, "redis.call('ZPOPMIN', KEYS[2], tonumber(ARGV[1]))");
  contains(drain, 'local function readCoupon(stateKey, queueKey, now)');
  contains(drain, 'import { createRequire }');
  // X-Ray (Powertools Tracer) is in the bundle, loaded where tracing is on.
  contains(drain, 'captureAWSv3Client');
  const request = bundleOf('POST /coupons/{couponId}/requests');
  contains(request, "redis.call('ZADD', KEYS[2], 'NX', int(score), user)");
  // The cache's IAM token signer is in the bundle.
  contains(request, 'ServerlessCache');
  // The CLI bundles every function: under a loaded machine that alone took 35 s, so this test gets
  // the same bound as the CLI call itself.
}, 120_000);
