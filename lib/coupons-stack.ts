import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME } from '../functions/commons/metric-names';
import { CouponApi, type JwtSettings, type PrewarmSettings } from './constructs/api';
import { Cache, type CacheEngine, type CacheMode } from './constructs/cache';
import { DRAIN_TIMEOUT, Drain } from './constructs/drain';
import { Network } from './constructs/network';
import { Observability } from './constructs/observability';
import { Tables } from './constructs/tables';

export interface CouponsStackProps extends StackProps {
  /** API stage throttling. @default { rateLimit: 10000, burstLimit: 5000 } (API Gateway's account defaults) */
  throttle?: { rateLimit: number; burstLimit: number };
  /** With a JWT issuer and audience, user routes need a token and the user is its `sub`. @default none */
  jwt?: JwtSettings;
  /** @default 'redis' */
  cacheEngine?: CacheEngine;
  /** @default 'serverless' */
  cacheMode?: CacheMode;
  /** For cacheMode 'nodes'. @default 'cache.t4g.small' */
  cacheNodeType?: string;
  /** Keep the tables when the stack is deleted. Set false for throwaway stacks. @default true */
  retainData?: boolean;
  /** @default 5000 */
  drainIntervalMs?: number;
  /** An address to send alarms to. @default none (the alarm topic only) */
  alarmEmail?: string;
  /** Provisioned concurrency on the request and status functions, always or around a sale. @default none */
  prewarm?: PrewarmSettings;
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

  constructor(scope: Construct, id: string, props: CouponsStackProps = {}) {
    super(scope, id, props);
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
    };
    this.api = new CouponApi(this, 'Api', {
      vpc: this.network.vpc,
      securityGroup: this.network.functionsSecurityGroup,
      tables: this.tables,
      environment,
      throttle: props.throttle ?? { rateLimit: 10_000, burstLimit: 5_000 },
      jwt: props.jwt,
      prewarm: props.prewarm,
    });
    this.drain = new Drain(this, 'Drain', {
      vpc: this.network.vpc,
      securityGroup: this.network.functionsSecurityGroup,
      tables: this.tables,
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
    new CfnOutput(this, 'CouponsTableName', { value: this.tables.coupons.tableName });
    new CfnOutput(this, 'IssuedTableName', { value: this.tables.issued.tableName });
    new CfnOutput(this, 'CacheEndpoint', { value: this.cache.endpointAddress });
    new CfnOutput(this, 'DashboardName', { value: this.observability.dashboard.dashboardName });
    new CfnOutput(this, 'DrainFailuresQueueUrl', { value: this.drain.deadLetterQueue.queueUrl });
  }
}
