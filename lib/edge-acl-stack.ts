import { ArnFormat, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnLoggingConfiguration, CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';

export interface EdgeLimits {
  /** Per client IP: POST /coupons/{couponId}/requests in any 5 minutes. @default 300 */
  requestLimit?: number;
  /** Per client IP: requests of any kind in any 5 minutes. @default 3000 */
  rateLimit?: number;
}

export interface EdgeAclStackProps extends StackProps, EdgeLimits {}

/** What a client over a limit gets from the edge, before anything reaches the API. */
export const RATE_LIMITED_BODY = {
  error: 'RATE_LIMITED',
  message: 'Too many requests from your address. Retry in a few minutes.',
};

/**
 * The WebACL CloudFront uses, in us-east-1 as CLOUDFRONT-scoped WebACLs must be: a limit per client
 * IP on the request route and a wider one on everything, both answering 429 with the API's error
 * shape; AWS's IP reputation list and its common rule set. Every request is logged (JWTs redacted).
 */
export class EdgeAclStack extends Stack {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: EdgeAclStackProps) {
    super(scope, id, props);
    const requestLimit = props.requestLimit ?? 300;
    const rateLimit = props.rateLimit ?? 3000;
    const visibility = (metricName: string) => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });
    const tooMany = {
      block: {
        customResponse: {
          responseCode: 429,
          customResponseBodyKey: 'rate-limited',
          responseHeaders: [{ name: 'retry-after', value: '60' }],
        },
      },
    };
    const perIp = (limit: number, scopeDownStatement?: CfnWebACL.StatementProperty) => ({
      rateBasedStatement: { limit, aggregateKeyType: 'IP', evaluationWindowSec: 300, scopeDownStatement },
    });
    const requestRoute: CfnWebACL.StatementProperty = {
      andStatement: {
        statements: [
          {
            byteMatchStatement: {
              fieldToMatch: { method: {} },
              positionalConstraint: 'EXACTLY',
              searchString: 'POST',
              textTransformations: [{ priority: 0, type: 'NONE' }],
            },
          },
          {
            regexMatchStatement: {
              fieldToMatch: { uriPath: {} },
              regexString: '^/coupons/[^/]+/requests$',
              textTransformations: [{ priority: 0, type: 'NONE' }],
            },
          },
        ],
      },
    };
    const managed = (name: string, priority: number) => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
      visibilityConfig: visibility(name),
    });

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      description: 'FCFS coupons: per-client limits and common protections in front of the API',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('FcfsCouponsEdge'),
      customResponseBodies: {
        'rate-limited': { contentType: 'APPLICATION_JSON', content: JSON.stringify(RATE_LIMITED_BODY) },
      },
      rules: [
        {
          name: 'RequestRoutePerIp',
          priority: 0,
          action: tooMany,
          statement: perIp(requestLimit, requestRoute),
          visibilityConfig: visibility('RequestRoutePerIp'),
        },
        {
          name: 'AllRoutesPerIp',
          priority: 1,
          action: tooMany,
          statement: perIp(rateLimit),
          visibilityConfig: visibility('AllRoutesPerIp'),
        },
        managed('AWSManagedRulesAmazonIpReputationList', 2),
        managed('AWSManagedRulesCommonRuleSet', 3),
      ],
    });

    // WAF writes to a log group whose name starts with aws-waf-logs-, given by an ARN without ":*".
    const logs = new LogGroup(this, 'WafLogs', {
      logGroupName: `aws-waf-logs-${this.stackName}`,
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new CfnLoggingConfiguration(this, 'WafLogging', {
      resourceArn: this.webAcl.attrArn,
      logDestinationConfigs: [
        this.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: logs.logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      redactedFields: [{ singleHeader: { Name: 'authorization' } }],
    });
  }
}
