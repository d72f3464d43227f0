import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { afterAll, expect, it } from 'vitest';
import { ROUTES } from '#functions/routes';
import { buildApp } from '../../lib/app';

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
  context: Record<string, string> = {},
): { report: Report; error?: Error } {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-nag-'));
  outdirs.push(outdir);
  const { app, stack } = buildApp(
    new App({ outdir, context: { 'aws:cdk:bundling-stacks': [], ...context } }),
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

it('passes the AWS Solutions checks with every acknowledgement scoped and reasoned', () => {
  const { report, error } = synthesize();
  expect(error).toBeUndefined();
  const nag = report.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
  expect(nag?.conclusion).toBe('success');
  expect(nag?.violations).toEqual([]);
  for (const accepted of nag?.suppressedViolations ?? []) {
    expect(accepted.reason.length, accepted.acknowledgedId).toBeGreaterThan(20);
    // Scoped to a construct below the stack, or to one finding of a rule.
    expect(
      accepted.acknowledgedAt !== 'FcfsCoupons' || accepted.acknowledgedId.includes('['),
      accepted.acknowledgedId,
    ).toBe(true);
  }
  expect(new Set(nag?.suppressedViolations.map((s) => s.ruleName.replace(/\[.*/, '')))).toEqual(
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
