import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecurityGroup, IVpc } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PATHS, ROUTES, type Route } from '../../functions/routes';
import { CouponFunction } from './coupon-function';

export interface JwtSettings {
  /** e.g. https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc123 */
  issuer: string;
  audience: string[];
}

export interface CouponApiProps {
  vpc: IVpc;
  securityGroup: ISecurityGroup;
  tables: { issued: TableV2; coupons: TableV2 };
  /** Environment for every function: Redis, tables, Powertools. */
  environment: Record<string, string>;
  /** Stage throttling: steady requests per second and burst. */
  throttle: { rateLimit: number; burstLimit: number };
  /** With it, user routes need a JWT and the user is its `sub`. */
  jwt?: JwtSettings;
}

/** What each route's function may touch, beyond its logs and traces. */
function grants(
  route: Route,
  tables: CouponApiProps['tables'],
): { redis: boolean; statements: PolicyStatement[] } {
  const { issued, coupons } = tables;
  switch (route.handler) {
    case 'create-coupon':
      return {
        redis: true,
        statements: [
          new PolicyStatement({
            actions: ['dynamodb:PutItem', 'dynamodb:GetItem'],
            resources: [coupons.tableArn],
          }),
          new PolicyStatement({
            actions: ['dynamodb:Query'],
            resources: [`${issued.tableArn}/index/byCoupon`],
          }),
        ],
      };
    case 'get-coupon':
      return {
        redis: true,
        statements: [new PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [coupons.tableArn] })],
      };
    case 'request-coupon':
    case 'get-request':
      return { redis: true, statements: [] };
    case 'user-coupons':
      return {
        redis: false,
        statements: [new PolicyStatement({ actions: ['dynamodb:Query'], resources: [issued.tableArn] })],
      };
    case 'health':
      return { redis: false, statements: [] };
    default:
      throw new Error(`No grants defined for route handler ${route.handler}`);
  }
}

/**
 * The HTTP API: one function per route (ROUTES, as served locally), admin routes behind IAM,
 * user routes behind a JWT authorizer when one is configured, stage throttling, access logs.
 */
export class CouponApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly functions: Record<string, CouponFunction> = {};
  /** Answers any other method on a path of the API (405 with Allow, OPTIONS). */
  readonly otherMethods: CouponFunction;

  constructor(scope: Construct, id: string, props: CouponApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Http', {
      description: 'First-come-first-served coupons',
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.jsonWithStandardFields(),
      },
    });

    const iam = new HttpIamAuthorizer();
    const jwt = props.jwt
      ? new HttpJwtAuthorizer('Jwt', props.jwt.issuer, { jwtAudience: props.jwt.audience })
      : undefined;
    const authorizers: Record<Route['access'], IHttpRouteAuthorizer | undefined> = {
      admin: iam,
      user: jwt,
      public: undefined,
    };

    for (const route of ROUTES) {
      const { redis, statements } = grants(route, props.tables);
      const fn = new CouponFunction(this, route.name, {
        handlerModule: route.handler,
        description: `${route.method} ${route.path}`,
        timeout: Duration.seconds(10),
        ...(redis ? { vpc: props.vpc, securityGroups: [props.securityGroup] } : {}),
        environment: {
          ...props.environment,
          ...(props.jwt && route.access === 'user' ? { USER_AUTH: 'jwt' } : {}),
        },
      });
      for (const statement of statements) fn.addToRolePolicy(statement);
      this.functions[route.name] = fn;
      const authorizer = authorizers[route.access];
      const created = this.api.addRoutes({
        path: route.path,
        // HEAD goes to the GET handler, which answers it without the body (RFC 9110).
        methods: route.method === 'GET' ? [HttpMethod.GET, HttpMethod.HEAD] : [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${route.name}Integration`, fn),
        authorizer,
      });
      if (!authorizer) {
        for (const r of created) {
          Validations.of(r).acknowledge({
            id: 'AwsSolutions::AwsSolutions-APIG4',
            reason:
              route.access === 'public'
                ? 'The health check is public on purpose and touches no data.'
                : 'No JWT issuer was given to the stack: user routes take the userId from the request (README, "Deploy").',
          });
        }
      }
    }

    // Every other method on a known path: `ANY` matches only the methods no route defines, and
    // answers 405 with Allow (OPTIONS: 204), from the route table. No VPC, no data, no authorizer.
    this.otherMethods = new CouponFunction(this, 'OtherMethods', {
      handlerModule: 'other-methods',
      description: 'Any other method on a path of the API: 405 with Allow',
      timeout: Duration.seconds(3),
      environment: props.environment,
    });
    const otherIntegration = new HttpLambdaIntegration('OtherMethodsIntegration', this.otherMethods);
    for (const path of PATHS) {
      for (const r of this.api.addRoutes({
        path,
        methods: [HttpMethod.ANY],
        integration: otherIntegration,
      })) {
        Validations.of(r).acknowledge({
          id: 'AwsSolutions::AwsSolutions-APIG4',
          reason:
            'Answers only 405 or OPTIONS with the methods of the path (public in the API document); touches no data.',
        });
      }
    }
  }
}
