import { App, type Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CouponsStack, type CouponsStackProps } from './coupons-stack';

/** Reads the stack's props from CDK context (`-c key=value` or cdk.json), with checks. */
export function propsFromContext(app: App): CouponsStackProps {
  const get = (key: string): string | undefined => {
    const value = app.node.tryGetContext(key);
    return value === undefined || value === '' ? undefined : String(value);
  };
  const number = (key: string): number | undefined => {
    const raw = get(key);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0)
      throw new Error(`Context ${key} must be a positive integer, got "${raw}".`);
    return value;
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[]): T | undefined => {
    const raw = get(key);
    if (raw === undefined) return undefined;
    if (!allowed.includes(raw as T))
      throw new Error(`Context ${key} must be one of ${allowed.join(', ')}, got "${raw}".`);
    return raw as T;
  };
  const issuer = get('jwtIssuer');
  const audience = get('jwtAudience');
  if ((issuer === undefined) !== (audience === undefined)) {
    throw new Error('Context jwtIssuer and jwtAudience go together: set both or neither.');
  }
  const instant = (key: string): Date | undefined => {
    const raw = get(key);
    if (raw === undefined) return undefined;
    const value = new Date(raw);
    if (!/(Z|[+-]\d{2}:\d{2})$/.test(raw) || Number.isNaN(value.getTime()))
      throw new Error(`Context ${key} must be an ISO 8601 time with a time zone, got "${raw}".`);
    return value;
  };
  const prewarm = number('prewarm');
  const saleStart = instant('saleStart');
  const saleEnd = instant('saleEnd');
  if ((saleStart === undefined) !== (saleEnd === undefined) || (saleStart && prewarm === undefined)) {
    throw new Error('Context saleStart and saleEnd go together, and with prewarm.');
  }
  if (saleStart && saleEnd && saleEnd <= saleStart)
    throw new Error('Context saleEnd must be after saleStart.');
  const rateLimit = number('throttleRate');
  const burstLimit = number('throttleBurst');
  return {
    jwt: issuer && audience ? { issuer, audience: audience.split(',').map((a) => a.trim()) } : undefined,
    throttle:
      rateLimit || burstLimit
        ? { rateLimit: rateLimit ?? 10_000, burstLimit: burstLimit ?? 5_000 }
        : undefined,
    cacheEngine: oneOf('cacheEngine', ['redis', 'valkey'] as const),
    cacheMode: oneOf('cacheMode', ['serverless', 'nodes'] as const),
    cacheNodeType: get('cacheNodeType'),
    retainData: get('retainData') === undefined ? undefined : get('retainData') !== 'false',
    drainIntervalMs: number('drainIntervalMs'),
    alarmEmail: get('alarmEmail'),
    prewarm: prewarm
      ? {
          concurrency: prewarm,
          window: saleStart && saleEnd ? { start: saleStart, end: saleEnd } : undefined,
        }
      : undefined,
  };
}

/** The app as `cdk synth` and `cdk deploy` build it, cdk-nag's AWS Solutions checks included. */
export function buildApp(app: App = new App()): { app: App; stack: Stack } {
  const stack = new CouponsStack(app, app.node.tryGetContext('stackName') ?? 'FcfsCoupons', {
    ...propsFromContext(app),
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}
