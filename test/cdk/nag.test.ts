import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { afterAll, expect, it } from 'vitest';
import { ROUTES } from '#functions/routes';
import { buildApp } from '../../lib/app';
import { inRegion } from './support';

// cdk-nag's AWS Solutions checks run on every synth of the app (as `cdk synth` does): zero
// unacknowledged findings, and each acknowledgement scoped and reasoned.

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

interface Report {
  pluginReports: {
    pluginName: string;
    conclusion: string;
    violations: { ruleName: string }[];
    suppressedViolations: {
      ruleName: string;
      acknowledgedId: string;
      reason: string;
      acknowledgedAt: string;
    }[];
  }[];
}

function synthesize(
  extra?: (app: App) => void,
  context: Record<string, string> = { openUserRoutes: 'true' },
  region?: string,
): { report: Report; error?: Error } {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-nag-'));
  outdirs.push(outdir);
  const { app, stack } = inRegion(region, () =>
    buildApp(new App({ outdir, context: { 'aws:cdk:bundling-stacks': [], ...context } })),
  );
  extra?.(stack as unknown as App);
  let error: Error | undefined;
  try {
    app.synth();
  } catch (e) {
    error = e as Error;
  }
  return { report: JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')), error };
}

/** Zero findings left, each acknowledgement reasoned and scoped; the rules acknowledged. */
function acknowledgedRules(report: Report): Set<string> {
  const nag = report.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
  expect(nag?.conclusion).toBe('success');
  expect(nag?.violations).toEqual([]);
  for (const accepted of nag?.suppressedViolations ?? []) {
    expect(accepted.reason.length, accepted.acknowledgedId).toBeGreaterThan(20);
    // Scoped to a construct below a stack, or to one finding of a rule.
    expect(
      !['FcfsCoupons', 'FcfsCouponsEdge'].includes(accepted.acknowledgedAt) ||
        accepted.acknowledgedId.includes('['),
      accepted.acknowledgedId,
    ).toBe(true);
  }
  return new Set(nag?.suppressedViolations.map((s) => s.ruleName.replace(/\[.*/, '')));
}

it('passes the AWS Solutions checks with every acknowledgement scoped and reasoned', () => {
  const { report, error } = synthesize();
  expect(error).toBeUndefined();
  expect(acknowledgedRules(report)).toEqual(
    new Set(['AwsSolutions-APIG4', 'AwsSolutions-IAM4', 'AwsSolutions-IAM5', 'AwsSolutions-SQS3']),
  );
  // The open user routes are acknowledged as a choice made on purpose.
  const nag = report.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
  const open = nag?.suppressedViolations.find((s) =>
    s.acknowledgedAt.endsWith('POST--coupons--{couponId}--requests'),
  );
  expect(open?.reason).toMatch(/openUserRoutes=true/);
});

it('passes them with CloudFront and AWS WAF in front, the WebACL in us-east-1 for an API elsewhere', () => {
  const { report, error } = synthesize(
    undefined,
    {
      jwtIssuer: 'https://issuer.example.com',
      jwtAudience: 'coupons',
      waf: 'true',
      allowedOrigins: 'https://shop.example.com',
    },
    'eu-west-1',
  );
  expect(error).toBeUndefined();
  expect(acknowledgedRules(report)).toEqual(
    new Set([
      'AwsSolutions-APIG4', // the health check only
      'AwsSolutions-IAM4',
      'AwsSolutions-IAM5',
      'AwsSolutions-SQS3',
      'AwsSolutions-SMG4',
      'AwsSolutions-CFR1',
      'AwsSolutions-CFR3',
      'AwsSolutions-CFR4',
    ]),
  );
});

it('passes them with MemoryDB, with nothing to acknowledge about its authentication', () => {
  const { report, error } = synthesize(undefined, { openUserRoutes: 'true', cacheMode: 'memorydb' });
  expect(error).toBeUndefined();
  expect(acknowledgedRules(report)).toEqual(
    new Set(['AwsSolutions-APIG4', 'AwsSolutions-IAM4', 'AwsSolutions-IAM5', 'AwsSolutions-SQS3']),
  );
});

it('passes them too with a node-based Valkey cache and a JWT authorizer', () => {
  const { report, error } = synthesize(undefined, {
    cacheMode: 'nodes',
    cacheEngine: 'valkey',
    jwtIssuer: 'https://issuer.example.com',
    jwtAudience: 'coupons',
  });
  expect(error).toBeUndefined();
  const nag = report.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
  expect(nag?.violations).toEqual([]);
  // With a JWT authorizer, the open routes are the health check and the `ANY` routes that only
  // answer 405 or OPTIONS.
  const openRoutes = nag?.suppressedViolations.filter((s) => s.ruleName === 'AwsSolutions-APIG4') ?? [];
  const paths = [...new Set(ROUTES.map((r) => r.path))];
  expect(openRoutes.map((s) => s.acknowledgedAt).sort()).toEqual(
    [
      'FcfsCoupons/Api/Http/GET--health',
      'FcfsCoupons/Api/Http/HEAD--health',
      ...paths.map((path) => `FcfsCoupons/Api/Http/ANY${path.replaceAll('/', '--')}`),
    ].sort(),
  );
  // Authentication is on (IAM); the rule only knows the single AUTH token, so it is acknowledged as such.
  const auth = nag?.suppressedViolations.find((s) => s.ruleName === 'AwsSolutions-AEC6');
  expect(auth?.reason).toMatch(/Authentication is on, with IAM/);
});

it('passes them with a node-based Redis OSS cache too', () => {
  const { report, error } = synthesize(undefined, { openUserRoutes: 'true', cacheMode: 'nodes' });
  expect(error).toBeUndefined();
  expect(acknowledgedRules(report)).toContain('AwsSolutions-AEC5');
});

it('passes them too with provisioned concurrency around a sale window', () => {
  const { report, error } = synthesize(undefined, {
    openUserRoutes: 'true',
    prewarm: '50',
    saleStart: '2030-11-27T10:00:00Z',
    saleEnd: '2030-11-27T12:00:00Z',
  });
  expect(error).toBeUndefined();
  const nag = report.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
  expect(nag?.conclusion).toBe('success');
  expect(nag?.violations).toEqual([]);
});

it('fails the synth on a finding nobody acknowledged', () => {
  const { report, error } = synthesize((stack) => {
    new Queue(stack, 'Unencrypted', { enforceSSL: false });
  });
  expect(error?.message).toMatch(/validation/i);
  const nag = report.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
  expect(nag?.conclusion).toBe('failure');
  expect(nag?.violations.map((v) => v.ruleName)).toContain('AwsSolutions-SQS4');
});
