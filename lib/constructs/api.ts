import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Schedule } from 'aws-cdk-lib/aws-applicationautoscaling';
import type { ISecurityGroup, IVpc } from 'aws-cdk-lib/aws-ec2';
import { Alias } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  CORS_ALLOW_HEADERS,
  CORS_ALLOW_METHODS,
  CORS_EXPOSE_HEADERS,
  CORS_MAX_AGE_SECONDS,
} from '../../functions/commons/cors';
import { PATHS, ROUTES, type Route } from '../../functions/routes';
import { CouponFunction } from './coupon-function';
import { grantNeeds, type NeededResources } from './grants';

export interface JwtSettings {
  /** e.g. https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc123 */
  issuer: string;
  audience: string[];
}

/**
 * Provisioned concurrency for the functions a sale's first seconds hit (routes marked `sale`): that
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

/**
 * How the sale routes' functions are traced; X-Ray tracing is active on every function either
 * way. `lambda`: by the Lambda service alone (each invocation and its init), with no X-Ray SDK in
 * the function. `sdk`: the Powertools Tracer too (a handler subsegment with cold start and
 * service annotations), whose SDK loads right after init (the first request waits for it) and
 * then hooks every request.
 */
export type SaleRouteTracing = 'lambda' | 'sdk';

export interface CouponApiProps extends NeededResources {
  vpc: IVpc;
  securityGroup: ISecurityGroup;
  /** Environment for every function: Redis, tables, Powertools. */
  environment: Record<string, string>;
  /** Stage throttling: steady requests per second and burst. */
  throttle: { rateLimit: number; burstLimit: number };
  /** With it, user routes need a JWT and the user is its `sub`. Without it, they are open. */
  jwt?: JwtSettings;
  /** Browser origins allowed to call the API (CORS, credentials allowed). @default none: no CORS */
  allowedOrigins?: string[];
  /**
   * With CloudFront in front, the secret it adds as a header: the user routes' functions refuse
   * requests without it (ORIGIN_VERIFY_SECRET). @default none: no check
   */
  originSecret?: string;
  /** @default none: every environment starts cold, on demand */
  prewarm?: PrewarmSettings;
  /** @default 'lambda' */
  saleRouteTracing?: SaleRouteTracing;
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
  /** The alias the API calls, for the prewarmed functions. */
  readonly aliases: Record<string, Alias> = {};

  constructor(scope: Construct, id: string, props: CouponApiProps) {
    super(scope, id);
    const origins = props.allowedOrigins ?? [];
    this.api = new HttpApi(this, 'Http', {
      description: 'First-come-first-served coupons',
      createDefaultStage: false,
      // API Gateway answers preflights itself and adds the CORS headers to every response.
      corsPreflight: origins.length
        ? {
            allowOrigins: origins,
            allowCredentials: true,
            allowHeaders: [...CORS_ALLOW_HEADERS],
            exposeHeaders: [...CORS_EXPOSE_HEADERS],
            // The same list the local runtime answers preflights with.
            allowMethods: CORS_ALLOW_METHODS.map(
              (method) => CorsHttpMethod[method as keyof typeof CorsHttpMethod],
            ),
            maxAge: Duration.seconds(CORS_MAX_AGE_SECONDS),
          }
        : undefined,
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

    for (const route of ROUTES as readonly Route[]) {
      const fn = new CouponFunction(this, route.name, {
        handlerModule: route.handler,
        description: `${route.method} ${route.path}`,
        timeout: Duration.seconds(10),
        ...(route.needs.redis ? { vpc: props.vpc, securityGroups: [props.securityGroup] } : {}),
        environment: {
          ...props.environment,
          ...(props.jwt && route.access === 'user' ? { USER_AUTH: 'jwt' } : {}),
          ...(props.originSecret && route.access === 'user'
            ? { ORIGIN_VERIFY_SECRET: props.originSecret }
            : {}),
          ...(route.sale && props.saleRouteTracing !== 'sdk' ? { POWERTOOLS_TRACE_ENABLED: 'false' } : {}),
        },
      });
      grantNeeds(fn, route.needs, props);
      this.functions[route.name] = fn;
      const authorizer = authorizers[route.access];
      const created = this.api.addRoutes({
        path: route.path,
        // HEAD goes to the GET handler, which answers it without the body (RFC 9110).
        methods: route.method === 'GET' ? [HttpMethod.GET, HttpMethod.HEAD] : [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(
          `${route.name}Integration`,
          (route.sale && this.prewarmed(route.name, fn, props.prewarm)) || fn,
        ),
        authorizer,
      });
      if (!authorizer) {
        for (const r of created) {
          Validations.of(r).acknowledge({
            id: 'AwsSolutions::AwsSolutions-APIG4',
            reason:
              route.access === 'public'
                ? 'The health check is public on purpose and touches no data.'
                : 'Open user routes, chosen explicitly with openUserRoutes=true for an API behind your own backend: they take the userId from the request (README, "Who may call what").',
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

  private prewarmed(name: string, fn: CouponFunction, prewarm?: PrewarmSettings): Alias | undefined {
    if (!prewarm) return undefined;
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
