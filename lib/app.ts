import { App, type Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseAllowedOrigins } from '../functions/commons/cors';
import { CouponsStack, type CouponsStackProps } from './coupons-stack';
import { EdgeAclStack, type EdgeLimits } from './edge-acl-stack';

/** What `cdk deploy` says when the user routes were given no identity: how to give one. */
export const IDENTITY_REQUIRED = `User routes need an identity, and none was given. Either:
  - verify shoppers' JWTs (an OIDC issuer and audience, e.g. an Amazon Cognito user pool and its app client):
      npx cdk deploy -c jwtIssuer=https://cognito-idp.<region>.amazonaws.com/<user-pool-id> -c jwtAudience=<app-client-id>
  - or, for an API that only your own backend calls, open the user routes on purpose
    (whoever reaches the API may then request coupons for any userId):
      npx cdk deploy -c openUserRoutes=true`;

export interface ContextProps extends CouponsStackProps {
  /** CloudFront with AWS WAF in front of the API (`-c waf=true`), with these limits. */
  waf?: EdgeLimits;
}

/** Reads the stack's props from CDK context (`-c key=value` or cdk.json), with checks. */
export function propsFromContext(app: App): ContextProps {
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
  const flag = (key: string): boolean | undefined => {
    const raw = oneOf(key, ['true', 'false'] as const);
    return raw === undefined ? undefined : raw === 'true';
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
  const openUserRoutes = flag('openUserRoutes') ?? false;
  if (!issuer && !openUserRoutes) throw new Error(IDENTITY_REQUIRED);
  if (issuer && openUserRoutes) {
    throw new Error('Context openUserRoutes=true and a JWT issuer contradict each other: choose one.');
  }
  const requestLimit = number('wafRequestLimit');
  const rateLimit = number('wafRateLimit');
  for (const [key, value] of [
    ['wafRequestLimit', requestLimit],
    ['wafRateLimit', rateLimit],
  ] as const) {
    // AWS WAF's bounds for a rate-based rule.
    if (value !== undefined && (value < 10 || value > 2_000_000_000))
      throw new Error(`Context ${key} must be from 10 to 2000000000 (requests per 5 minutes), got ${value}.`);
  }
  const waf = flag('waf') ?? false;
  if (!waf && (requestLimit || rateLimit)) {
    throw new Error('Context wafRequestLimit and wafRateLimit apply with waf=true only.');
  }
  const throttleRate = number('throttleRate');
  const throttleBurst = number('throttleBurst');
  return {
    jwt: issuer && audience ? { issuer, audience: audience.split(',').map((a) => a.trim()) } : undefined,
    openUserRoutes: openUserRoutes || undefined,
    allowedOrigins: parseAllowedOrigins(get('allowedOrigins')),
    waf: waf ? { requestLimit, rateLimit } : undefined,
    throttle:
      throttleRate || throttleBurst
        ? { rateLimit: throttleRate ?? 10_000, burstLimit: throttleBurst ?? 5_000 }
        : undefined,
    cacheEngine: oneOf('cacheEngine', ['redis', 'valkey'] as const),
    cacheMode: oneOf('cacheMode', ['serverless', 'nodes', 'memorydb'] as const),
    cacheNodeType: get('cacheNodeType'),
    saleRouteTracing: oneOf('saleRouteTracing', ['lambda', 'sdk'] as const),
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

/** CLOUDFRONT-scoped WebACLs live in us-east-1, whatever region the API is in. */
const WAF_REGION = 'us-east-1';

/**
 * The app as `cdk synth` and `cdk deploy` build it, cdk-nag's AWS Solutions checks included.
 * With `waf`, a small stack in us-east-1 holds the WebACL, and the main stack reads its ARN
 * (across regions through CDK's cross-region references when the main stack is elsewhere).
 */
export function buildApp(app: App = new App()): { app: App; stack: Stack; edgeStack?: Stack } {
  const { waf, ...props } = propsFromContext(app);
  const stackName = app.node.tryGetContext('stackName') ?? 'FcfsCoupons';
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const region = process.env.CDK_DEFAULT_REGION;
  let edgeStack: EdgeAclStack | undefined;
  if (waf) {
    if (!region) {
      throw new Error(
        'Context waf=true needs the target region at synth, to place the WebACL in us-east-1 next to it: set AWS_REGION, or use a profile with a region (--profile).',
      );
    }
    edgeStack = new EdgeAclStack(app, `${stackName}Edge`, {
      ...waf,
      env: { account, region: WAF_REGION },
      crossRegionReferences: region !== WAF_REGION,
      description: `AWS WAF WebACL for ${stackName}'s CloudFront distribution`,
    });
  }
  const stack = new CouponsStack(app, stackName, {
    ...props,
    webAclArn: edgeStack?.webAcl.attrArn,
    env: { account, region },
    crossRegionReferences: edgeStack !== undefined && region !== WAF_REGION,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack, edgeStack };
}
