import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { CACHE_ACCESS_STRING } from '#commons/cache-auth';
import { CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS, CORS_MAX_AGE_SECONDS } from '#commons/cors';
import { ROUTES } from '#functions/routes';
import { IDENTITY_REQUIRED, propsFromContext } from '../../lib/app';
import { CouponsStack, type CouponsStackProps } from '../../lib/coupons-stack';
import { synth } from './support';

// Who may call what, and how the functions reach the cache: identity required at synth, CORS
// from context, IAM authentication to every cache mode (MemoryDB included). Template assertions;
// test/cdk/nag.test.ts runs cdk-nag on the same configurations.

const contextOf = (context: Record<string, string>) =>
  propsFromContext(new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } }));

function synthesized(props: Partial<CouponsStackProps> = {}) {
  const { stack, template, logicalId } = synth(props);
  const functions = template.findResources('AWS::Lambda::Function');
  const fnOf = (name: string) =>
    functions[stack.getLogicalId(stack.api.functions[name]?.node.defaultChild as never)]?.Properties;
  const drain = functions[stack.getLogicalId(stack.drain.fn.node.defaultChild as never)]?.Properties;
  /** The statements of a function's role. */
  const statementsOf = (fn: { Role: { 'Fn::GetAtt': string[] } }) =>
    Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === fn.Role['Fn::GetAtt'][0]))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
  return { stack, template, fnOf, drain, statementsOf, logicalId };
}

describe('identity', () => {
  it('fails at synth without one, saying how to configure JWT or open the user routes on purpose', () => {
    expect(() => contextOf({})).toThrow(IDENTITY_REQUIRED);
    expect(IDENTITY_REQUIRED).toMatch(/-c jwtIssuer=https:\/\/cognito-idp\..* -c jwtAudience=/);
    expect(IDENTITY_REQUIRED).toMatch(/-c openUserRoutes=true/);
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(() => new CouponsStack(app, 'NoIdentity', {})).toThrow(/User routes need an identity/);
  });

  it('takes either a JWT issuer or the explicit open mode, not both', () => {
    const jwt = { jwtIssuer: 'https://issuer.example.com', jwtAudience: 'a,b' };
    expect(contextOf(jwt)).toMatchObject({
      jwt: { issuer: 'https://issuer.example.com', audience: ['a', 'b'] },
      openUserRoutes: undefined,
    });
    expect(contextOf({ openUserRoutes: 'true' })).toMatchObject({ jwt: undefined, openUserRoutes: true });
    expect(() => contextOf({ ...jwt, openUserRoutes: 'true' })).toThrow(/contradict/);
    expect(() => contextOf({ openUserRoutes: 'yes' })).toThrow(/openUserRoutes must be one of true, false/);
    expect(() => contextOf({ openUserRoutes: 'false' })).toThrow(IDENTITY_REQUIRED);
  });
});

describe('CORS', () => {
  it('answers preflights for the allowed origins only, with credentials and the headers a JWT client needs', () => {
    const origins = ['https://shop.example.com', 'https://m.shop.example.com'];
    expect(contextOf({ openUserRoutes: 'true', allowedOrigins: origins.join(', ') }).allowedOrigins).toEqual(
      origins,
    );
    synthesized({ allowedOrigins: origins }).template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: origins,
        AllowCredentials: true,
        AllowHeaders: [...CORS_ALLOW_HEADERS],
        ExposeHeaders: [...CORS_EXPOSE_HEADERS],
        MaxAge: CORS_MAX_AGE_SECONDS,
      },
    });
    const methods = synthesized({ allowedOrigins: origins }).template.findResources('AWS::ApiGatewayV2::Api');
    const allowed = Object.values(methods)[0]?.Properties.CorsConfiguration.AllowMethods;
    for (const method of [...ROUTES.map((route) => route.method), 'OPTIONS'])
      expect(allowed).toContain(method);
  });

  it('is off without allowed origins, and refuses a wildcard or a path', () => {
    const api = Object.values(synth().template.findResources('AWS::ApiGatewayV2::Api'))[0];
    expect(api?.Properties.CorsConfiguration).toBeUndefined();
    expect(() => contextOf({ openUserRoutes: 'true', allowedOrigins: '*' })).toThrow(/exact origins/);
    expect(() =>
      contextOf({ openUserRoutes: 'true', allowedOrigins: 'https://shop.example.com/app' }),
    ).toThrow(/exact origins/);
  });
});

describe('cache authentication', () => {
  /** What every Redis function (and only those) gets: the auth environment and elasticache:Connect. */
  function expectAuthOn(
    built: ReturnType<typeof synthesized>,
    target: string,
    action: string,
    resources: unknown[],
  ) {
    const withRedis = ROUTES.filter((route) => route.needs.redis).map((route) => route.name);
    const withoutRedis = ROUTES.filter((route) => !route.needs.redis).map((route) => route.name);
    expect(withRedis).toHaveLength(7);
    for (const fn of [...withRedis.map(built.fnOf), built.drain]) {
      expect(fn.Environment.Variables).toMatchObject({ REDIS_IAM_AUTH: target });
      expect(built.statementsOf(fn)).toContainEqual({ Action: action, Effect: 'Allow', Resource: resources });
    }
    for (const fn of withoutRedis.map(built.fnOf)) {
      expect(JSON.stringify(built.statementsOf(fn))).not.toContain(':Connect');
    }
  }

  it('Serverless Redis OSS: an IAM user and a switched-off default user in the cache user group', () => {
    const built = synthesized();
    const { template, stack } = built;
    const cache = built.logicalId(stack.cache.resource);
    const users = template.findResources('AWS::ElastiCache::User');
    const [iamUser, iamUserProps] = Object.entries(users).find(
      ([, u]) => u.Properties.AuthenticationMode?.Type === 'iam',
    ) as [string, { Properties: Record<string, unknown> }];
    expect(iamUserProps.Properties).toMatchObject({
      Engine: 'redis',
      AccessString: CACHE_ACCESS_STRING,
      UserName: iamUserProps.Properties.UserId,
    });
    const [closedUser, closed] = Object.entries(users).find(
      ([, u]) => u.Properties.UserName === 'default',
    ) as [string, { Properties: Record<string, unknown> }];
    expect(closed.Properties.AccessString).toBe('off -@all');
    expect(Object.keys(users)).toHaveLength(2);
    const [groupId, group] = Object.entries(template.findResources('AWS::ElastiCache::UserGroup'))[0] ?? [];
    expect(group?.Properties).toMatchObject({
      Engine: 'redis',
      UserIds: [{ Ref: iamUser }, { Ref: closedUser }],
    });
    template.hasResourceProperties('AWS::ElastiCache::ServerlessCache', { UserGroupId: { Ref: groupId } });
    expect(built.fnOf('RequestCoupon').Environment.Variables).toMatchObject({
      REDIS_IAM_AUTH: 'elasticache-serverless',
      REDIS_IAM_CACHE: { Ref: cache },
      REDIS_IAM_USER: { Ref: iamUser },
    });
    expectAuthOn(built, 'elasticache-serverless', 'elasticache:Connect', [
      { 'Fn::GetAtt': [cache, 'ARN'] },
      { 'Fn::GetAtt': [iamUser, 'Arn'] },
    ]);
  });

  it('Valkey: a Valkey user group that holds the IAM user alone (no default user to switch off)', () => {
    const { template } = synthesized({ cacheEngine: 'valkey' });
    const users = Object.values(template.findResources('AWS::ElastiCache::User'));
    expect(users.map((u) => u.Properties.AuthenticationMode.Type)).toEqual(['iam']);
    expect(users[0]?.Properties.Engine).toBe('valkey');
    template.hasResourceProperties('AWS::ElastiCache::UserGroup', {
      Engine: 'valkey',
      UserIds: [Match.anyValue()],
    });
  });

  it('node-based: the replication group takes the user group, and the functions connect to it by ARN', () => {
    const built = synthesized({ cacheMode: 'nodes' });
    const group = built.logicalId(built.stack.cache.resource);
    const [groupId] = Object.keys(built.template.findResources('AWS::ElastiCache::UserGroup'));
    built.template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      UserGroupIds: [{ Ref: groupId }],
      TransitEncryptionMode: 'required',
    });
    expect(
      built.template.findResources('AWS::ElastiCache::ReplicationGroup')[group]?.Properties.AuthToken,
    ).toBeUndefined();
    const statement = built
      .statementsOf(built.fnOf('RequestCoupon'))
      .find((s) => s.Action === 'elasticache:Connect');
    expect(JSON.stringify(statement.Resource)).toContain(':replicationgroup:');
    expectAuthOn(built, 'elasticache', 'elasticache:Connect', statement.Resource);
  });
});

describe('cacheMode=memorydb', () => {
  const built = synthesized({ cacheMode: 'memorydb', cacheEngine: 'valkey' });
  const { template, stack } = built;
  const cluster = built.logicalId(stack.cache.resource);

  it('is a MemoryDB cluster with TLS, one shard and a replica, in the isolated subnets, behind the cache security group', () => {
    expect(Object.keys(template.findResources('AWS::ElastiCache::ServerlessCache'))).toEqual([]);
    expect(Object.keys(template.findResources('AWS::ElastiCache::ReplicationGroup'))).toEqual([]);
    const props = template.findResources('AWS::MemoryDB::Cluster')[cluster]?.Properties;
    expect(props).toMatchObject({
      Engine: 'valkey',
      TLSEnabled: true,
      NumShards: 1,
      NumReplicasPerShard: 1,
      NodeType: 'db.t4g.small',
      SecurityGroupIds: [{ 'Fn::GetAtt': [built.logicalId(stack.network.cacheSecurityGroup), 'GroupId'] }],
    });
    const subnets = Object.values(template.findResources('AWS::MemoryDB::SubnetGroup'))[0]?.Properties;
    expect(props.SubnetGroupName).toBe(subnets.SubnetGroupName);
    expect(subnets.SubnetIds.map((s: { Ref: string }) => s.Ref).sort()).toEqual(
      stack.network.vpc.isolatedSubnets.map((s) => built.logicalId(s)).sort(),
    );
  });

  it('admits only its IAM user (an ACL without the default user), and the functions connect with memorydb:Connect', () => {
    const user = Object.entries(template.findResources('AWS::MemoryDB::User'));
    expect(user).toHaveLength(1);
    const [userId, userResource] = user[0] as [string, { Properties: Record<string, unknown> }];
    expect(userResource.Properties).toMatchObject({
      AuthenticationMode: { Type: 'iam' },
      AccessString: CACHE_ACCESS_STRING,
    });
    const acl = Object.values(template.findResources('AWS::MemoryDB::ACL'))[0]?.Properties;
    expect(acl.UserNames).toEqual([userResource.Properties.UserName]);
    expect(template.findResources('AWS::MemoryDB::Cluster')[cluster]?.Properties.ACLName).toBe(acl.ACLName);
    const env = built.fnOf('RequestCoupon').Environment.Variables;
    expect(env).toMatchObject({
      REDIS_CLUSTER: 'true',
      REDIS_IAM_AUTH: 'memorydb',
      REDIS_IAM_CACHE: template.findResources('AWS::MemoryDB::Cluster')[cluster]?.Properties.ClusterName,
      REDIS_IAM_USER: userResource.Properties.UserName,
    });
    expect(JSON.stringify(env.REDIS_URL)).toContain('rediss://');
    expect(JSON.stringify(env.REDIS_URL)).toContain('ClusterEndpoint.Address');
    for (const fn of [built.fnOf('RequestCoupon'), built.drain]) {
      expect(built.statementsOf(fn)).toContainEqual({
        Action: 'memorydb:Connect',
        Effect: 'Allow',
        Resource: [{ 'Fn::GetAtt': [cluster, 'ARN'] }, { 'Fn::GetAtt': [userId, 'Arn'] }],
      });
    }
  });

  it('takes its engine and node type from context, and refuses an ElastiCache node type', () => {
    expect(contextOf({ openUserRoutes: 'true', cacheMode: 'memorydb' }).cacheMode).toBe('memorydb');
    synthesized({ cacheMode: 'memorydb', cacheNodeType: 'db.r7g.large' }).template.hasResourceProperties(
      'AWS::MemoryDB::Cluster',
      { Engine: 'redis', NodeType: 'db.r7g.large' },
    );
    expect(() => synthesized({ cacheMode: 'memorydb', cacheNodeType: 'cache.t4g.small' })).toThrow(
      /starts with "db\."/,
    );
  });
});
