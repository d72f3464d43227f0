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
import { Schedule } from 'aws-cdk-lib/aws-applicationautoscaling';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecurityGroup, IVpc } from 'aws-cdk-lib/aws-ec2';
import { Alias } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ROUTES, type Route } from '../../functions/routes';
import { CouponFunction } from './coupon-function';
import { grantNeeds } from './grants';

export interface JwtSettings {
  /** e.g. https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc123 */
  issuer: string;
  audience: string[];
}

/**
 * Provisioned concurrency for the functions a sale's first seconds hit (PREWARMED_ROUTES): that
 * many execution environments each, initialized before the requests come, behind an alias the API
 * calls. With a sale window, only from `leadMinutes` before it opens until it ends (Application
 * Auto Scaling scheduled actions); without one, always.
 */
export interface PrewarmSettings {
  concurrency: number;
  window?: { start: Date; end: Date };
  /** @default 15 */
  leadMinutes?: number;
}

/** The routes every shopper of a sale calls in its first seconds. */
export const PREWARMED_ROUTES = ['RequestCoupon', 'GetRequest'] as const;

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
  /** @default none: every environment starts cold, on demand */
  prewarm?: PrewarmSettings;
}

/**
 * The HTTP API: one function per route (ROUTES, as served locally), admin routes behind IAM,
 * user routes behind a JWT authorizer when one is configured, stage throttling, access logs.
 */
export class CouponApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly functions: Record<string, CouponFunction> = {};
  /** The alias the API calls, for the prewarmed functions. */
  readonly aliases: Record<string, Alias> = {};

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
      const fn = new CouponFunction(this, route.name, {
        handlerModule: route.handler,
        description: `${route.method} ${route.path}`,
        timeout: Duration.seconds(10),
        ...(route.needs.redis ? { vpc: props.vpc, securityGroups: [props.securityGroup] } : {}),
        environment: {
          ...props.environment,
          ...(props.jwt && route.access === 'user' ? { USER_AUTH: 'jwt' } : {}),
        },
      });
      grantNeeds(fn, route.needs, props.tables);
      this.functions[route.name] = fn;
      const authorizer = authorizers[route.access];
      const [created] = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(
          `${route.name}Integration`,
          this.prewarmed(route.name, fn, props.prewarm) ?? fn,
        ),
        authorizer,
      });
      if (!authorizer && created) {
        Validations.of(created).acknowledge({
          id: 'AwsSolutions::AwsSolutions-APIG4',
          reason:
            route.access === 'public'
              ? 'The health check is public on purpose and touches no data.'
              : 'No JWT issuer was given to the stack: user routes take the userId from the request (README, "Deploy").',
        });
      }
    }
  }

  private prewarmed(name: string, fn: CouponFunction, prewarm?: PrewarmSettings): Alias | undefined {
    if (!prewarm || !(PREWARMED_ROUTES as readonly string[]).includes(name)) return undefined;
    const { concurrency, window, leadMinutes = 15 } = prewarm;
    const alias = new Alias(this, `${name}Live`, {
      aliasName: 'live',
      version: fn.currentVersion,
      provisionedConcurrentExecutions: window ? undefined : concurrency,
    });
    if (window) {
      const scaling = alias.addAutoScaling({ minCapacity: 0, maxCapacity: concurrency });
      scaling.scaleOnSchedule('BeforeSale', {
        schedule: Schedule.at(new Date(window.start.getTime() - leadMinutes * 60_000)),
        minCapacity: concurrency,
        maxCapacity: concurrency,
      });
      scaling.scaleOnSchedule('AfterSale', { schedule: Schedule.at(window.end), minCapacity: 0 });
    }
    this.aliases[name] = alias;
    return alias;
  }
}
