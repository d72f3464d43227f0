import { Duration, Fn, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  PriceClass,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ORIGIN_VERIFY_HEADER } from '../../functions/commons/edge';

export interface EdgeProps {
  /** A CLOUDFRONT-scoped WebACL (us-east-1): EdgeAclStack's. */
  webAclArn: string;
}

/** Answers CloudFront may cache by default for 10 s: none may be, or one user's would serve another. */
const ERROR_STATUSES = [400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504];

/**
 * CloudFront with AWS WAF in front of the HTTP API (an HTTP API cannot have a WebACL of its own).
 * Nothing is cached; every viewer header but Host reaches the API (the JWT included); CloudFront
 * adds a secret header that the fronted functions require (`originSecret`), so calling the
 * execute-api URL directly gets around no WAF rule. Made in two steps, since the functions need
 * the secret and the distribution needs the API: the secret first, then `front(api)`.
 */
export class Edge extends Construct {
  /** The header value CloudFront adds: a CloudFormation dynamic reference, resolved at deploy. */
  readonly originSecret: string;
  private readonly webAclArn: string;

  constructor(scope: Construct, id: string, props: EdgeProps) {
    super(scope, id);
    this.webAclArn = props.webAclArn;
    const secret = new Secret(this, 'OriginSecret', {
      description:
        'FCFS coupons: the header CloudFront adds, so that the API serves only what came through WAF',
      generateSecretString: { excludePunctuation: true, passwordLength: 48 },
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        'CloudFormation resolves the value into CloudFront and the functions at deploy time only: a scheduled rotation would lock every shopper out until the next deploy. Rotate it by redeploying after a new value (README).',
    });
    this.originSecret = secret.secretValue.unsafeUnwrap();
  }

  /** The distribution in front of `api`. */
  front(api: HttpApi): Distribution {
    // https://{apiId}.execute-api.{region}.{suffix}: the host is its third part.
    const apiHost = Fn.select(2, Fn.split('/', api.apiEndpoint));
    const distribution = new Distribution(this, 'Distribution', {
      comment: 'FCFS coupons: AWS WAF in front of the HTTP API',
      defaultBehavior: {
        origin: new HttpOrigin(apiHost, {
          protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
          originSslProtocols: [OriginSslPolicy.TLS_V1_2],
          customHeaders: { [ORIGIN_VERIFY_HEADER]: this.originSecret },
        }),
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_ALL,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        compress: false,
      },
      errorResponses: ERROR_STATUSES.map((httpStatus) => ({ httpStatus, ttl: Duration.seconds(0) })),
      webAclId: this.webAclArn,
      priceClass: PriceClass.PRICE_CLASS_100,
      httpVersion: HttpVersion.HTTP2_AND_3,
    });
    const accept = (rule: string, reason: string) =>
      Validations.of(distribution).acknowledge({ id: `AwsSolutions::AwsSolutions-${rule}`, reason });
    accept(
      'CFR1',
      'A flash sale has no country restriction by default; add one to the WebACL (a geo match rule) if the sale has one.',
    );
    accept(
      'CFR3',
      'AWS WAF logs every request CloudFront receives (the aws-waf-logs-* log group, authorization header redacted) and the API stage logs every request it serves; CloudFront standard logs would need an ACL-enabled S3 bucket.',
    );
    accept(
      'CFR4',
      "The distribution uses CloudFront's default *.cloudfront.net certificate, whose minimum protocol CloudFront sets; with your own domain and certificate, set TLSv1.2_2021.",
    );
    return distribution;
  }
}
