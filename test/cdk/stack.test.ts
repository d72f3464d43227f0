import { App } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '#functions/routes';
import { tableDefinitions } from '#local/dynamodb';
import { propsFromContext } from '../../lib/app';
import { synth } from './support';

// The synthesized template, property by property. Bundling is skipped here (an empty asset);
// test/cdk/synth.test.ts runs the real `cdk synth` with esbuild.

const { stack, template, logicalId } = synth();
const resources = (type: string) => template.findResources(type);

/** The statements of the inline policies attached to a function's role. */
function statementsOf(functionLogicalId: string): { Action: string | string[]; Resource: unknown }[] {
  const fn = resources('AWS::Lambda::Function')[functionLogicalId];
  const roleId = fn?.Properties.Role['Fn::GetAtt'][0];
  return Object.values(resources('AWS::IAM::Policy'))
    .filter((policy) => policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}
const actionsOf = (functionLogicalId: string) =>
  statementsOf(functionLogicalId)
    .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
    .filter((action) => !action.startsWith('xray:'))
    .sort();

const fnId = (routeName: string) => logicalId(stack.api.functions[routeName] as never);
const drainId = logicalId(stack.drain.fn);
const otherMethodsId = logicalId(stack.api.otherMethods);

describe('drain schedule', () => {
  it('fires the drain every minute, with no retries and a one-minute event age', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [drainId, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
        },
      ],
    });
  });

  it('runs one drain at a time, past the minute, with failures sent to a queue', () => {
    const drain = resources('AWS::Lambda::Function')[drainId]?.Properties;
    expect(drain.Timeout).toBeGreaterThan(60);
    expect(drain.ReservedConcurrentExecutions).toBe(1);
    expect(drain.Environment.Variables).toMatchObject({
      DRAIN_INTERVAL_MS: '5000',
      DRAIN_WINDOW_MS: '55000',
    });
    // The window plus the reserve kept for the last tick fit inside the timeout.
    expect(55 + 10).toBeLessThanOrEqual(drain.Timeout);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: drainId },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(stack.drain.deadLetterQueue), 'Arn'] } },
      },
    });
  });
});

describe('functions', () => {
  it('run Node.js 24 on ARM64 with tracing, and a log group with retention each', () => {
    const ours = Object.entries(resources('AWS::Lambda::Function')).filter(
      ([, fn]) => fn.Properties.Handler === 'index.handler', // not CDK's own custom-resource provider
    );
    expect(ours).toHaveLength(ROUTES.length + 2); // the routes, other methods, the drain
    for (const [id, fn] of ours) {
      expect(fn.Properties, id).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
      });
      const logGroup = resources('AWS::Logs::LogGroup')[fn.Properties.LoggingConfig.LogGroup.Ref];
      expect(logGroup?.Properties.RetentionInDays).toBe(30);
    }
  });

  it('put the functions that use Redis in the VPC, in isolated subnets, with the functions security group', () => {
    const sg = logicalId(stack.network.functionsSecurityGroup);
    const inVpc = ['CreateCoupon', 'GetCoupon', 'RequestCoupon', 'GetRequest'].map(fnId).concat(drainId);
    for (const id of inVpc) {
      const vpcConfig = resources('AWS::Lambda::Function')[id]?.Properties.VpcConfig;
      expect(vpcConfig.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [sg, 'GroupId'] }]);
      expect(vpcConfig.SubnetIds.map((s: { Ref: string }) => s.Ref).sort()).toEqual(
        stack.network.vpc.isolatedSubnets.map((s) => logicalId(s as never)).sort(),
      );
    }
    for (const id of ['UserCoupons', 'Health'].map(fnId).concat(otherMethodsId)) {
      expect(resources('AWS::Lambda::Function')[id]?.Properties.VpcConfig).toBeUndefined();
    }
  });

  it('get the cache endpoint over TLS in cluster mode, the tables and Powertools settings', () => {
    const env = resources('AWS::Lambda::Function')[fnId('RequestCoupon')]?.Properties.Environment.Variables;
    expect(env).toMatchObject({
      REDIS_CLUSTER: 'true',
      COUPONS_TABLE: { Ref: logicalId(stack.tables.coupons) },
      ISSUED_TABLE: { Ref: logicalId(stack.tables.issued) },
      POWERTOOLS_SERVICE_NAME: 'fcfs-coupons',
      POWERTOOLS_METRICS_NAMESPACE: 'FcfsCoupons',
    });
    expect(env.REDIS_URL['Fn::Join'][1][0]).toBe('rediss://');
    expect(env.USER_AUTH).toBeUndefined();
  });

  it('parse no source map during init: no --enable-source-maps (stacks are mapped when printed)', () => {
    const functions = Object.values(resources('AWS::Lambda::Function'));
    expect(functions.length).toBeGreaterThan(5);
    for (const fn of functions) expect(fn.Properties.Environment?.Variables?.NODE_OPTIONS).toBeUndefined();
  });
});

describe('least privilege', () => {
  const issued = logicalId(stack.tables.issued);
  const coupons = logicalId(stack.tables.coupons);

  const index = (table: string, name: string) => ({
    'Fn::Join': ['', [{ 'Fn::GetAtt': [table, 'Arn'] }, `/index/${name}`]],
  });
  const apiFunctions = () => Object.keys(stack.api.functions).map(fnId);

  it("gives the request path one read of the issued table (a finished coupon's holder), nothing else", () => {
    for (const name of ['RequestCoupon', 'GetRequest']) {
      expect(statementsOf(fnId(name)).filter((s) => String(s.Action).startsWith('dynamodb:'))).toEqual([
        { Action: 'dynamodb:GetItem', Effect: 'Allow', Resource: { 'Fn::GetAtt': [issued, 'Arn'] } },
      ]);
    }
    expect(actionsOf(fnId('Health'))).toEqual([]);
    expect(actionsOf(otherMethodsId)).toEqual([]);
  });

  it('lets only the drain write issued rows and the ledger, with item puts and conditional updates', () => {
    expect(statementsOf(drainId).filter((s) => JSON.stringify(s.Action).includes('dynamodb:'))).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: ['dynamodb:PutItem', 'dynamodb:GetItem'],
          Resource: { 'Fn::GetAtt': [issued, 'Arn'] },
        }),
        expect.objectContaining({
          Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem'],
          Resource: { 'Fn::GetAtt': [coupons, 'Arn'] },
        }),
        expect.objectContaining({ Action: 'dynamodb:Query', Resource: index(issued, 'byCoupon') }),
      ]),
    );
    for (const fn of apiFunctions()) {
      const writesIssued = statementsOf(fn).some(
        (s) =>
          JSON.stringify(s.Resource) === JSON.stringify({ 'Fn::GetAtt': [issued, 'Arn'] }) &&
          /PutItem|UpdateItem|BatchWriteItem|DeleteItem/.test(JSON.stringify(s.Action)),
      );
      expect(writesIssued, fn).toBe(false);
    }
  });

  it('lets the admin functions write coupon definitions and read what they need', () => {
    expect(actionsOf(fnId('CreateCoupon'))).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'elasticache:Connect',
    ]);
    expect(statementsOf(fnId('ListCoupons'))).toContainEqual(
      expect.objectContaining({ Action: 'dynamodb:Query', Resource: index(coupons, 'byCreation') }),
    );
    expect(statementsOf(fnId('GetCoupon'))).toContainEqual(
      expect.objectContaining({ Action: 'dynamodb:GetItem', Resource: { 'Fn::GetAtt': [coupons, 'Arn'] } }),
    );
    expect(actionsOf(fnId('ChangeWindow'))).toEqual([
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
      'elasticache:Connect',
    ]);
    expect(actionsOf(fnId('AddStock'))).toEqual([
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
      'elasticache:Connect',
    ]);
    expect(actionsOf(fnId('UserCoupons'))).toEqual(['dynamodb:Query']);
  });
});

describe('network and cache', () => {
  it('has isolated subnets in two AZs, no NAT gateway and no internet gateway, and a DynamoDB gateway endpoint', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    const azs = Object.values(resources('AWS::EC2::Subnet')).map((s) =>
      JSON.stringify(s.Properties.AvailabilityZone),
    );
    expect(new Set(azs).size).toBeGreaterThanOrEqual(2);
    for (const subnet of Object.values(resources('AWS::EC2::Subnet'))) {
      expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
    }
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.dynamodb']] },
    });
  });

  it('lets only the functions security group reach the cache, on the Redis ports', () => {
    const ingress = Object.values(resources('AWS::EC2::SecurityGroupIngress'));
    expect(ingress).toHaveLength(1);
    expect(ingress[0]?.Properties).toMatchObject({
      GroupId: { 'Fn::GetAtt': [logicalId(stack.network.cacheSecurityGroup), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [logicalId(stack.network.functionsSecurityGroup), 'GroupId'] },
      FromPort: 6379,
      ToPort: 6380,
      IpProtocol: 'tcp',
    });
    const cacheSg = resources('AWS::EC2::SecurityGroup')[logicalId(stack.network.cacheSecurityGroup)];
    expect(cacheSg?.Properties.SecurityGroupIngress).toBeUndefined();
  });

  it('is ElastiCache Serverless (Redis, always TLS) by default, in the isolated subnets', () => {
    template.hasResourceProperties('AWS::ElastiCache::ServerlessCache', {
      Engine: 'redis',
      SecurityGroupIds: [{ 'Fn::GetAtt': [logicalId(stack.network.cacheSecurityGroup), 'GroupId'] }],
      SubnetIds: Match.arrayWith([{ Ref: Match.stringLikeRegexp('isolated') }]),
    });
  });

  it('can be Valkey, and a node-based replication group with TLS and encryption at rest', () => {
    const nodes = synth({ cacheMode: 'nodes', cacheEngine: 'valkey' }).template;
    nodes.resourceCountIs('AWS::ElastiCache::ServerlessCache', 0);
    nodes.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      Engine: 'valkey',
      ClusterMode: 'enabled',
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: 'required',
      AtRestEncryptionEnabled: true,
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
    });
    const env = Object.values(nodes.findResources('AWS::Lambda::Function')).find(
      (fn) => fn.Properties.Environment?.Variables?.REDIS_URL,
    )?.Properties.Environment.Variables;
    expect(JSON.stringify(env.REDIS_URL)).toContain('ConfigurationEndPoint.Address');
    synth({ cacheEngine: 'valkey' }).template.hasResourceProperties('AWS::ElastiCache::ServerlessCache', {
      Engine: 'valkey',
    });
  });
});

describe('tables', () => {
  it('are on demand, with point-in-time recovery, deletion protection and RETAIN by default', () => {
    for (const [id, table] of Object.entries(template.findResources('AWS::DynamoDB::GlobalTable'))) {
      expect(table.DeletionPolicy, id).toBe('Retain');
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.Properties.Replicas[0]).toMatchObject({
        DeletionProtectionEnabled: true,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      });
    }
  });

  it('can be thrown away with the stack', () => {
    const throwaway = synth({ retainData: false }).template;
    for (const table of Object.values(throwaway.findResources('AWS::DynamoDB::GlobalTable'))) {
      expect(table.DeletionPolicy).toBe('Delete');
      expect(table.Properties.Replicas[0].DeletionProtectionEnabled).toBe(false);
    }
  });

  it('have the keys and index the code and the local runtime use', () => {
    const local = tableDefinitions({ couponsTable: 'c', issuedTable: 'i' });
    const [couponsLocal, issuedLocal] = local;
    const issued = resources('AWS::DynamoDB::GlobalTable')[logicalId(stack.tables.issued)]?.Properties;
    const coupons = resources('AWS::DynamoDB::GlobalTable')[logicalId(stack.tables.coupons)]?.Properties;
    expect(issued.KeySchema).toEqual(issuedLocal?.KeySchema);
    expect(coupons.KeySchema).toEqual(couponsLocal?.KeySchema);
    const [index] = issuedLocal?.GlobalSecondaryIndexes ?? [];
    expect(issued.GlobalSecondaryIndexes).toEqual([
      { IndexName: index?.IndexName, KeySchema: index?.KeySchema, Projection: index?.Projection },
    ]);
  });
});

describe('HTTP API', () => {
  const routes = () => Object.values(resources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties);

  /** The Lambda function a route's integration invokes. */
  const targetOf = (route: { Target: { 'Fn::Join': [string, unknown[]] } }) => {
    const integrationId = (route.Target['Fn::Join'][1][1] as { Ref: string }).Ref;
    const uri = resources('AWS::ApiGatewayV2::Integration')[integrationId]?.Properties.IntegrationUri;
    return uri['Fn::GetAtt'][0];
  };

  it('has every route of the route table, HEAD with each GET, admin routes behind IAM, the rest open with openUserRoutes', () => {
    const byKey = Object.fromEntries(routes().map((r) => [r.RouteKey, r]));
    for (const route of ROUTES) {
      const methods = route.method === 'GET' ? ['GET', 'HEAD'] : [route.method];
      for (const method of methods) {
        const created = byKey[`${method} ${route.path}`];
        expect(created?.AuthorizationType ?? 'NONE', `${method} ${route.path}`).toBe(
          route.access === 'admin' ? 'AWS_IAM' : 'NONE',
        );
        expect(targetOf(created), `${method} ${route.path}`).toBe(fnId(route.name));
      }
    }
  });

  it('answers any other method on each path of the route table with one open function, and has no other route', () => {
    const paths = [...new Set(ROUTES.map((r) => r.path))];
    const expected = [
      ...ROUTES.flatMap((r) =>
        r.method === 'GET' ? [`GET ${r.path}`, `HEAD ${r.path}`] : [`${r.method} ${r.path}`],
      ),
      ...paths.map((path) => `ANY ${path}`),
    ];
    expect(
      routes()
        .map((r) => r.RouteKey)
        .sort(),
    ).toEqual(expected.sort());
    for (const route of routes().filter((r) => r.RouteKey.startsWith('ANY '))) {
      expect(route.AuthorizationType ?? 'NONE', route.RouteKey).toBe('NONE');
      expect(targetOf(route), route.RouteKey).toBe(otherMethodsId);
    }
    const handler = resources('AWS::Lambda::Function')[otherMethodsId];
    expect(handler?.Properties.Description).toMatch(/405/);
  });

  it('puts user routes behind a JWT authorizer when given an issuer and audience', () => {
    const jwt = { issuer: 'https://issuer.example.com', audience: ['coupons'] };
    const { stack: withJwt, template: t } = synth({ jwt });
    t.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: jwt.issuer, Audience: jwt.audience },
    });
    const byKey = Object.fromEntries(
      Object.values(t.findResources('AWS::ApiGatewayV2::Route')).map((r) => [
        r.Properties.RouteKey,
        r.Properties.AuthorizationType ?? 'NONE',
      ]),
    );
    for (const route of ROUTES) {
      const expected = { admin: 'AWS_IAM', user: 'JWT', public: 'NONE' }[route.access];
      expect(byKey[`${route.method} ${route.path}`], route.name).toBe(expected);
    }
    const env =
      t.findResources('AWS::Lambda::Function')[
        withJwt.getLogicalId(withJwt.api.functions.RequestCoupon?.node.defaultChild as never)
      ]?.Properties.Environment.Variables;
    expect(env.USER_AUTH).toBe('jwt');
  });

  it('throttles the stage with the stack props and logs access', () => {
    synth({ throttle: { rateLimit: 1234, burstLimit: 567 } }).template.hasResourceProperties(
      'AWS::ApiGatewayV2::Stage',
      {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 1234, ThrottlingBurstLimit: 567 },
        AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      },
    );
  });
});

describe('operations', () => {
  const alarmOn = (metricName: string) =>
    Object.values(resources('AWS::CloudWatch::Alarm')).find((a) => a.Properties.MetricName === metricName)
      ?.Properties;

  it('alarms on drain errors, drain duration near its timeout, pending depth and drain lag', () => {
    expect(alarmOn('Errors')).toMatchObject({ Namespace: 'AWS/Lambda', Threshold: 1 });
    expect(alarmOn('DrainErrors')).toMatchObject({ Namespace: 'FcfsCoupons' });
    expect(alarmOn('Duration')).toMatchObject({
      Namespace: 'AWS/Lambda',
      Statistic: 'Maximum',
      Threshold: 72_000,
    });
    expect(alarmOn('PendingDepth')).toMatchObject({ Namespace: 'FcfsCoupons', EvaluationPeriods: 3 });
    expect(alarmOn('DrainLag')).toMatchObject({ Namespace: 'FcfsCoupons', Threshold: 60_000 });
    for (const alarm of Object.values(resources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: logicalId(stack.observability.topic) }]);
    }
  });

  it('alarms on the first coupon restored after a Redis loss, and on the first claim the ledger refused', () => {
    const onMetrics = (...names: string[]) =>
      Object.values(resources('AWS::CloudWatch::Alarm')).find((a) => {
        const used = (a.Properties.Metrics ?? []).flatMap(
          (m: { MetricStat?: { Metric: { MetricName: string } } }) => m.MetricStat?.Metric.MetricName ?? [],
        );
        return names.every((name) => used.includes(name));
      })?.Properties;
    expect(onMetrics('CouponsRestored', 'SentinelsMissing')).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(onMetrics('ClaimsFenced', 'ClaimsRefused')).toMatchObject({ Threshold: 1 });
  });

  it('has a dashboard of requests, answers, issued, pending and drain lag', () => {
    const body = JSON.stringify(
      Object.values(resources('AWS::CloudWatch::Dashboard'))[0]?.Properties.DashboardBody,
    );
    for (const metric of [
      'Queued',
      'SoldOut',
      'NotOpen',
      'Closed',
      'Issued',
      'PendingDepth',
      'DrainLag',
      'QueueDepth',
      'CouponsRestored',
    ]) {
      expect(body).toContain(`\\"${metric}\\"`);
    }
  });

  it('outputs the API URL, table names and cache endpoint', () => {
    for (const name of ['ApiUrl', 'CouponsTableName', 'IssuedTableName', 'CacheEndpoint']) {
      template.hasOutput(name, {});
    }
  });
});

describe('pre-warming for a sale (prewarm)', () => {
  const prewarmed = ['RequestCoupon', 'GetRequest'];
  const integrationTargets = (t: Template) =>
    Object.values(t.findResources('AWS::ApiGatewayV2::Integration')).map((i) => i.Properties.IntegrationUri);

  it('without it: no alias, no provisioned concurrency, the API calls each function itself', () => {
    expect(resources('AWS::Lambda::Alias')).toEqual({});
    expect(resources('AWS::ApplicationAutoScaling::ScalableTarget')).toEqual({});
    for (const target of integrationTargets(template)) expect(target).toHaveProperty('Fn::GetAtt');
  });

  it('with a fixed value: the request and status functions get that many provisioned environments behind an alias the API calls', () => {
    const { stack: s, template: t } = synth({ prewarm: { concurrency: 40 } });
    const aliases = t.findResources('AWS::Lambda::Alias');
    expect(Object.keys(aliases)).toHaveLength(prewarmed.length);
    for (const name of prewarmed) {
      const fnLogicalId = s.getLogicalId(s.api.functions[name]?.node.defaultChild as never);
      const [aliasId, alias] =
        Object.entries(aliases).find(([, a]) => a.Properties.FunctionName.Ref === fnLogicalId) ?? [];
      expect(alias?.Properties).toMatchObject({
        Name: 'live',
        ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 40 },
      });
      expect(integrationTargets(t)).toContainEqual({ Ref: aliasId });
    }
    // Every other function is still called directly, without provisioned concurrency.
    expect(integrationTargets(t).filter((target) => 'Ref' in target)).toHaveLength(prewarmed.length);
  });

  it('with a sale window: provisioned from 15 minutes before it opens until it ends, by scheduled scaling', () => {
    const start = new Date('2030-11-27T10:00:00Z');
    const end = new Date('2030-11-27T12:00:00Z');
    const { template: t } = synth({ prewarm: { concurrency: 100, window: { start, end } } });
    for (const alias of Object.values(t.findResources('AWS::Lambda::Alias'))) {
      expect(alias.Properties.ProvisionedConcurrencyConfig).toBeUndefined();
    }
    const targets = Object.values(t.findResources('AWS::ApplicationAutoScaling::ScalableTarget'));
    expect(targets).toHaveLength(prewarmed.length);
    for (const target of targets) {
      expect(target.Properties).toMatchObject({
        ScalableDimension: 'lambda:function:ProvisionedConcurrency',
        MinCapacity: 0,
        MaxCapacity: 100,
      });
      expect(target.Properties.ScheduledActions).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Schedule: 'at(2030-11-27T09:45:00)',
            ScalableTargetAction: { MinCapacity: 100, MaxCapacity: 100 },
          }),
          expect.objectContaining({
            Schedule: 'at(2030-11-27T12:00:00)',
            ScalableTargetAction: { MinCapacity: 0 },
          }),
        ]),
      );
    }
  });
});

describe('tracing of the sale routes (saleRouteTracing)', () => {
  const sale = ['RequestCoupon', 'GetRequest'];
  const functionsOf = ({ stack: s, template: t, logicalId: id }: ReturnType<typeof synth>) =>
    Object.entries(s.api.functions).map(([name, fn]) => {
      const properties = t.findResources('AWS::Lambda::Function')[id(fn)]?.Properties;
      return { name, properties, traceEnabled: properties?.Environment?.Variables?.POWERTOOLS_TRACE_ENABLED };
    });

  it('by default: the request and status functions are traced by Lambda alone, every other function with the Powertools Tracer too', () => {
    const functions = functionsOf({ stack, template, logicalId });
    expect(functions.length).toBe(ROUTES.length);
    for (const { name, properties, traceEnabled } of functions) {
      expect(properties?.TracingConfig, name).toEqual({ Mode: 'Active' });
      expect(traceEnabled, name).toBe(sale.includes(name) ? 'false' : undefined);
    }
  });

  it("with 'sdk': every function has the Powertools Tracer; from context, only lambda or sdk", () => {
    for (const { name, properties, traceEnabled } of functionsOf(synth({ saleRouteTracing: 'sdk' }))) {
      expect(properties?.TracingConfig, name).toEqual({ Mode: 'Active' });
      expect(traceEnabled, name).toBeUndefined();
    }
    const fromContext = (value: string) =>
      propsFromContext(new App({ context: { openUserRoutes: 'true', saleRouteTracing: value } }));
    expect(fromContext('sdk').saleRouteTracing).toBe('sdk');
    expect(() => fromContext('xray')).toThrow(/saleRouteTracing must be one of lambda, sdk/);
  });
});
