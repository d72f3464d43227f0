import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME } from '../functions/commons/metric-names';
import { CouponApi, type JwtSettings, type PrewarmSettings, type SaleRouteTracing } from './constructs/api';
import { Cache, type CacheEngine, type CacheMode } from './constructs/cache';
import { DRAIN_TIMEOUT, Drain } from './constructs/drain';
import { Edge } from './constructs/edge';
import { Network } from './constructs/network';
import { Observability } from './constructs/observability';
import { Tables } from './constructs/tables';

export interface CouponsStackProps extends StackProps {
  /** API stage throttling. @default { rateLimit: 10000, burstLimit: 5000 } (API Gateway's account defaults) */
  throttle?: { rateLimit: number; burstLimit: number };
  /**
   * With a JWT issuer and audience, user routes need a token and the user is its subject. One of
   * `jwt` or `openUserRoutes` is required: the stack has no silent open default.
   */
  jwt?: JwtSettings;
  /** User routes without authentication, taking the userId from the request (behind your own backend). @default false */
  openUserRoutes?: boolean;
  /** Browser origins allowed to call the API (CORS, with credentials). @default none */
  allowedOrigins?: string[];
  /** Put CloudFront in front of the API with this CLOUDFRONT-scoped WebACL (EdgeAclStack). @default none */
  webAclArn?: string;
  /** @default 'redis' */
  cacheEngine?: CacheEngine;
  /** @default 'serverless' */
  cacheMode?: CacheMode;
  /** For cacheMode 'nodes' and 'memorydb'. @default 'cache.t4g.small' (nodes), 'db.t4g.small' (memorydb) */
  cacheNodeType?: string;
  /** Keep the tables when the stack is deleted. Set false for throwaway stacks. @default true */
  retainData?: boolean;
  /** @default 5000 */
  drainIntervalMs?: number;
  /** An address to send alarms to. @default none (the alarm topic only) */
  alarmEmail?: string;
  /** Provisioned concurrency on the request and status functions, always or around a sale. @default none */
  prewarm?: PrewarmSettings;
  /** How the request and status functions are traced (X-Ray is active either way). @default 'lambda' */
  saleRouteTracing?: SaleRouteTracing;
}

const SERVICE = DEFAULT_SERVICE_NAME;
const NAMESPACE = DEFAULT_METRICS_NAMESPACE;

/** The whole system: HTTP API and functions, ElastiCache, the drain schedule, tables, alarms. */
export class CouponsStack extends Stack {
  readonly network: Network;
  readonly tables: Tables;
  readonly cache: Cache;
  readonly api: CouponApi;
  readonly drain: Drain;
  readonly observability: Observability;
  readonly edge: Edge | undefined;

  constructor(scope: Construct, id: string, props: CouponsStackProps) {
    super(scope, id, props);
    if (!props.jwt === !props.openUserRoutes) {
      throw new Error(
        props.jwt
          ? 'Give either jwt or openUserRoutes, not both.'
          : 'User routes need an identity: give jwt (issuer and audience), or openUserRoutes: true to leave them open on purpose.',
      );
    }
    this.network = new Network(this, 'Network');
    this.tables = new Tables(this, 'Tables', { retainData: props.retainData });
    this.cache = new Cache(this, 'Cache', {
      vpc: this.network.vpc,
      securityGroup: this.network.cacheSecurityGroup,
      engine: props.cacheEngine,
      mode: props.cacheMode,
      nodeType: props.cacheNodeType,
    });

    const environment = {
      REDIS_URL: this.cache.url,
      REDIS_CLUSTER: 'true',
      COUPONS_TABLE: this.tables.coupons.tableName,
      ISSUED_TABLE: this.tables.issued.tableName,
      POWERTOOLS_SERVICE_NAME: SERVICE,
      POWERTOOLS_METRICS_NAMESPACE: NAMESPACE,
      POWERTOOLS_LOG_LEVEL: 'INFO',
      ...this.cache.environment,
    };
    this.edge = props.webAclArn ? new Edge(this, 'Edge', { webAclArn: props.webAclArn }) : undefined;
    this.api = new CouponApi(this, 'Api', {
      vpc: this.network.vpc,
      securityGroup: this.network.functionsSecurityGroup,
      tables: this.tables,
      environment,
      throttle: props.throttle ?? { rateLimit: 10_000, burstLimit: 5_000 },
      jwt: props.jwt,
      cache: this.cache,
      allowedOrigins: props.allowedOrigins,
      originSecret: this.edge?.originSecret,
      prewarm: props.prewarm,
      saleRouteTracing: props.saleRouteTracing,
    });
    const distribution = this.edge?.front(this.api.api);
    this.drain = new Drain(this, 'Drain', {
      vpc: this.network.vpc,
      securityGroup: this.network.functionsSecurityGroup,
      tables: this.tables,
      cache: this.cache,
      environment,
      intervalMs: props.drainIntervalMs,
    });
    this.observability = new Observability(this, 'Observability', {
      api: this.api.api,
      drain: this.drain.fn,
      drainTimeout: DRAIN_TIMEOUT,
      namespace: NAMESPACE,
      service: SERVICE,
      alarmEmail: props.alarmEmail,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.stage.url, description: 'Base URL of the HTTP API' });
    if (distribution) {
      new CfnOutput(this, 'EdgeUrl', {
        value: `https://${distribution.distributionDomainName}/`,
        description: 'Base URL for shoppers: CloudFront with AWS WAF in front of the API',
      });
    }
    new CfnOutput(this, 'CouponsTableName', { value: this.tables.coupons.tableName });
    new CfnOutput(this, 'IssuedTableName', { value: this.tables.issued.tableName });
    new CfnOutput(this, 'CacheEndpoint', { value: this.cache.endpointAddress });
    new CfnOutput(this, 'DashboardName', { value: this.observability.dashboard.dashboardName });
    new CfnOutput(this, 'DrainFailuresQueueUrl', { value: this.drain.deadLetterQueue.queueUrl });
  }
}
