import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { afterAll, expect, it } from 'vitest';
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
  // With a JWT authorizer, only the health check is an open route.
  const openRoutes = nag?.suppressedViolations.filter((s) => s.ruleName === 'AwsSolutions-APIG4') ?? [];
  expect(openRoutes.map((s) => s.acknowledgedAt)).toEqual(['FcfsCoupons/Api/Http/GET--health']);
});

it('passes them too with provisioned concurrency around a sale window', () => {
  const { report, error } = synthesize(undefined, {
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
