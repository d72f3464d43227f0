import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ORIGIN_VERIFY_HEADER } from '#commons/edge';
import { ROUTES } from '#functions/routes';
import { buildApp } from '../../lib/app';
import type { CouponsStack } from '../../lib/coupons-stack';
import { RATE_LIMITED_BODY } from '../../lib/edge-acl-stack';
import { inRegion } from './support';

// `-c waf=true`: CloudFront with AWS WAF in front of the API. The WebACL is CLOUDFRONT-scoped, so
// it lives in a small stack in us-east-1 whatever the API's region; the main stack reads its ARN.

const JWT = { jwtIssuer: 'https://issuer.example.com', jwtAudience: 'coupons' };

function build(region: string | undefined, context: Record<string, string>) {
  return inRegion(region, () => {
    const built = buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } }));
    return {
      stack: built.stack as CouponsStack,
      main: Template.fromStack(built.stack),
      edgeStack: built.edgeStack as Stack,
      edge: built.edgeStack ? Template.fromStack(built.edgeStack) : undefined,
    };
  });
}

const inEurope = build('eu-west-1', { ...JWT, waf: 'true' });
const rulesOf = (template: Template | undefined) =>
  Object.fromEntries(
    (Object.values(template?.findResources('AWS::WAFv2::WebACL') ?? {})[0]?.Properties.Rules ?? []).map(
      (rule: { Name: string }) => [rule.Name, rule],
    ),
  );

describe('the WebACL', () => {
  it('lives in us-east-1, CLOUDFRONT-scoped, whatever region the API is in', () => {
    expect(inEurope.edgeStack.region).toBe('us-east-1');
    expect(inEurope.stack.region).toBe('eu-west-1');
    inEurope.edge?.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'CLOUDFRONT',
      DefaultAction: { Allow: {} },
    });
  });

  it('limits each client IP on the request route, 300 per 5 minutes by default, answering 429 in the API error shape', () => {
    const rule = rulesOf(inEurope.edge).RequestRoutePerIp;
    expect(rule.Statement.RateBasedStatement).toMatchObject({
      Limit: 300,
      AggregateKeyType: 'IP',
      EvaluationWindowSec: 300,
    });
    const [method, path] = rule.Statement.RateBasedStatement.ScopeDownStatement.AndStatement.Statements;
    expect(method.ByteMatchStatement).toMatchObject({ FieldToMatch: { Method: {} }, SearchString: 'POST' });
    const pattern = new RegExp(path.RegexMatchStatement.RegexString);
    const requestRoute = ROUTES.find((route) => route.handler === 'request-coupon');
    expect(pattern.test(requestRoute?.path.replace('{couponId}', 'bf-2026') ?? '')).toBe(true);
    expect(pattern.test('/coupons/bf-2026/requests/me')).toBe(false);
    expect(rule.Action.Block.CustomResponse).toMatchObject({
      ResponseCode: 429,
      CustomResponseBodyKey: 'rate-limited',
      ResponseHeaders: [{ Name: 'retry-after', Value: '60' }],
    });
    const acl = Object.values(inEurope.edge?.findResources('AWS::WAFv2::WebACL') ?? {})[0]?.Properties;
    expect(acl.CustomResponseBodies['rate-limited']).toEqual({
      ContentType: 'APPLICATION_JSON',
      Content: JSON.stringify(RATE_LIMITED_BODY),
    });
  });

  it('limits every route per IP more widely, and runs the AWS common rule set and IP reputation list', () => {
    const rules = rulesOf(inEurope.edge);
    expect(rules.AllRoutesPerIp.Statement.RateBasedStatement).toMatchObject({
      Limit: 3000,
      AggregateKeyType: 'IP',
    });
    expect(rules.AllRoutesPerIp.Statement.RateBasedStatement.ScopeDownStatement).toBeUndefined();
    expect(rules.AllRoutesPerIp.Action.Block.CustomResponse.ResponseCode).toBe(429);
    for (const name of ['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesAmazonIpReputationList']) {
      expect(rules[name]).toMatchObject({
        OverrideAction: { None: {} },
        Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: name } },
      });
    }
  });

  it('takes its limits from context, within what AWS WAF accepts', () => {
    const rules = rulesOf(
      build('eu-west-1', { ...JWT, waf: 'true', wafRequestLimit: '50', wafRateLimit: '600' }).edge,
    );
    expect(rules.RequestRoutePerIp.Statement.RateBasedStatement.Limit).toBe(50);
    expect(rules.AllRoutesPerIp.Statement.RateBasedStatement.Limit).toBe(600);
    expect(() => build('eu-west-1', { ...JWT, waf: 'true', wafRequestLimit: '5' })).toThrow(/from 10 to/);
    expect(() => build('eu-west-1', { ...JWT, wafRequestLimit: '50' })).toThrow(/with waf=true only/);
  });

  it('logs every request to an aws-waf-logs- group, with the JWT redacted', () => {
    inEurope.edge?.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: 'aws-waf-logs-FcfsCouponsEdge',
      RetentionInDays: 30,
    });
    inEurope.edge?.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      RedactedFields: [{ SingleHeader: { Name: 'authorization' } }],
    });
    const logging = Object.values(inEurope.edge?.findResources('AWS::WAFv2::LoggingConfiguration') ?? {})[0];
    const [logGroup] = Object.keys(inEurope.edge?.findResources('AWS::Logs::LogGroup') ?? {});
    // The log group's ARN as WAF wants it: ...:log-group:NAME, without the ":*" of CDK's logGroupArn.
    const [arn] = logging?.Properties.LogDestinationConfigs ?? [];
    expect(arn['Fn::Join'][1].slice(-2)).toEqual([':log-group:', { Ref: logGroup }]);
  });
});

describe('CloudFront in front of the API', () => {
  const { main, stack } = inEurope;
  const distribution = () =>
    Object.values(main.findResources('AWS::CloudFront::Distribution'))[0]?.Properties.DistributionConfig;

  it('uses the WebACL from us-east-1 through a cross-region reference', () => {
    expect(JSON.stringify(distribution().WebACLId)).toContain('ExportsReader');
    // In us-east-1 itself, a plain cross-stack reference does.
    const local = build('us-east-1', { ...JWT, waf: 'true' }).main;
    const config = Object.values(local.findResources('AWS::CloudFront::Distribution'))[0]?.Properties
      .DistributionConfig;
    expect(config.WebACLId).toEqual({ 'Fn::ImportValue': expect.stringContaining('WebAcl') });
  });

  it('forwards everything but Host to the API, caches nothing (errors included), HTTPS only', () => {
    const config = distribution();
    expect(config.DefaultCacheBehavior).toMatchObject({
      // AWS's managed CachingDisabled and AllViewerExceptHostHeader policies
      CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
      ViewerProtocolPolicy: 'https-only',
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
    });
    for (const status of [400, 403, 404, 500, 503]) {
      expect(config.CustomErrorResponses).toContainEqual({ ErrorCode: status, ErrorCachingMinTTL: 0 });
    }
    const [origin] = config.Origins;
    expect(origin.CustomOriginConfig).toMatchObject({
      OriginProtocolPolicy: 'https-only',
      OriginSSLProtocols: ['TLSv1.2'],
    });
    expect(JSON.stringify(origin.DomainName)).toContain('ApiEndpoint');
    main.hasOutput('EdgeUrl', {});
  });

  it('adds a secret header that the user routes require, from Secrets Manager, resolved at deploy', () => {
    const [origin] = distribution().Origins;
    const header = origin.OriginCustomHeaders.find(
      (h: { HeaderName: string }) => h.HeaderName === ORIGIN_VERIFY_HEADER,
    );
    expect(JSON.stringify(header.HeaderValue)).toContain('{{resolve:secretsmanager:');
    const functions = main.findResources('AWS::Lambda::Function');
    for (const route of ROUTES) {
      const fn = functions[stack.getLogicalId(stack.api.functions[route.name]?.node.defaultChild as never)];
      const value = fn?.Properties.Environment.Variables.ORIGIN_VERIFY_SECRET;
      if (route.access === 'user') expect(value, route.name).toEqual(header.HeaderValue);
      else expect(value, route.name).toBeUndefined();
    }
  });

  it('needs the region at synth, and is absent without waf=true', () => {
    expect(() => build(undefined, { ...JWT, waf: 'true' })).toThrow(/waf=true needs the target region/);
    const plain = build('eu-west-1', { ...JWT });
    expect(plain.edgeStack).toBeUndefined();
    expect(Object.keys(plain.main.findResources('AWS::CloudFront::Distribution'))).toEqual([]);
    expect(JSON.stringify(plain.main.toJSON())).not.toContain('ORIGIN_VERIFY_SECRET');
  });
});
