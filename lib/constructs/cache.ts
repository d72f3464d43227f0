import { ArnFormat, Names, Stack, Validations } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc } from 'aws-cdk-lib/aws-ec2';
import {
  CfnReplicationGroup,
  CfnServerlessCache,
  CfnSubnetGroup,
  CfnUser,
  CfnUserGroup,
} from 'aws-cdk-lib/aws-elasticache';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import * as memorydb from 'aws-cdk-lib/aws-memorydb';
import { Construct } from 'constructs';
import { CACHE_ACCESS_STRING, iamAuthEnvironment } from '../../functions/commons/cache-auth';

export type CacheEngine = 'redis' | 'valkey';
export type CacheMode = 'serverless' | 'nodes' | 'memorydb';

export interface CacheProps {
  vpc: IVpc;
  securityGroup: ISecurityGroup;
  /** @default 'redis' */
  engine?: CacheEngine;
  /**
   * ElastiCache Serverless, a node-based ElastiCache replication group in cluster mode, or an
   * Amazon MemoryDB cluster (a durable multi-AZ transaction log under the same API).
   * @default 'serverless'
   */
  mode?: CacheMode;
  /** Node-based and MemoryDB. @default 'cache.t4g.small' (nodes), 'db.t4g.small' (memorydb) */
  nodeType?: string;
  /** Node-based and MemoryDB: shards. @default 1 */
  shards?: number;
  /** Node-based and MemoryDB: replicas per shard. @default 1 */
  replicasPerShard?: number;
}

/**
 * The queues' store: TLS in transit and encryption at rest always, in the isolated subnets,
 * behind a security group only the functions may reach, and IAM authentication always: one
 * IAM-enabled user for the functions, in a user group (an ACL on MemoryDB) that holds no user
 * able to connect without authenticating. Each mode is addressed in cluster mode (Serverless is
 * cluster-mode compatible, MemoryDB is always clustered); every key of one coupon shares a hash
 * tag, so each script touches one slot.
 */
export class Cache extends Construct {
  /** rediss://host:port of the (configuration) endpoint. */
  readonly url: string;
  readonly endpointAddress: string;
  readonly resource: CfnServerlessCache | CfnReplicationGroup | memorydb.CfnCluster;
  /** For every function that uses the cache: how to authenticate (functions/commons/clients/redis-auth.ts). */
  readonly environment: Record<string, string>;
  private readonly connect: PolicyStatement;

  constructor(scope: Construct, id: string, props: CacheProps) {
    super(scope, id);
    const engine = props.engine ?? 'redis';
    const mode = props.mode ?? 'serverless';
    const subnetIds = props.vpc.isolatedSubnets.map((subnet) => subnet.subnetId);
    const securityGroupIds = [props.securityGroup.securityGroupId];
    const shards = props.shards ?? 1;
    const replicasPerShard = props.replicasPerShard ?? 1;
    // Names unique to this stack: users, groups and caches are account-wide per region.
    const unique = (maxLength: number) =>
      Names.uniqueResourceName(this, { maxLength, separator: '-' })
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, '');
    const name = (suffix: string) => `${unique(36 - suffix.length)}-${suffix}`;

    if (mode === 'memorydb') {
      if (props.nodeType && !props.nodeType.startsWith('db.'))
        throw new Error(`A MemoryDB node type starts with "db.", got "${props.nodeType}".`);
      const user = new memorydb.CfnUser(this, 'User', {
        userName: name('fn'),
        accessString: CACHE_ACCESS_STRING,
        authenticationMode: { Type: 'iam' },
      });
      // Only this user: a connection that does not authenticate can do nothing.
      const acl = new memorydb.CfnACL(this, 'Acl', { aclName: name('acl'), userNames: [user.userName] });
      acl.node.addDependency(user);
      const subnetGroup = new memorydb.CfnSubnetGroup(this, 'Subnets', {
        subnetGroupName: name('subnets'),
        description: 'FCFS coupon store subnets (isolated)',
        subnetIds,
      });
      const cluster = new memorydb.CfnCluster(this, 'Cluster', {
        clusterName: name('queues'),
        description: 'FCFS coupon queues (durable)',
        engine,
        engineVersion: engine === 'redis' ? '7.1' : '7.2',
        nodeType: props.nodeType ?? 'db.t4g.small',
        numShards: shards,
        numReplicasPerShard: replicasPerShard,
        aclName: acl.aclName,
        tlsEnabled: true,
        subnetGroupName: subnetGroup.subnetGroupName,
        securityGroupIds,
        port: 6379,
        snapshotRetentionLimit: 1,
        autoMinorVersionUpgrade: true,
      });
      cluster.node.addDependency(acl, subnetGroup);
      this.resource = cluster;
      this.endpointAddress = cluster.attrClusterEndpointAddress;
      this.url = `rediss://${cluster.attrClusterEndpointAddress}:${cluster.attrClusterEndpointPort}`;
      this.environment = iamAuthEnvironment('memorydb', cluster.clusterName, user.userName);
      this.connect = new PolicyStatement({
        actions: ['memorydb:Connect'],
        resources: [cluster.attrArn, user.attrArn],
      });
      return;
    }

    const user = new CfnUser(this, 'User', {
      engine,
      userId: name('fn'),
      userName: name('fn'), // IAM authentication: the same as the id
      accessString: CACHE_ACCESS_STRING,
      authenticationMode: { Type: 'iam' },
    });
    const members = [user.ref];
    if (engine === 'redis') {
      // A Redis OSS user group must hold a user named "default", which is what a connection is
      // before AUTH: here one that is switched off and may run nothing.
      const closed = new CfnUser(this, 'DefaultUser', {
        engine,
        userId: name('default'),
        userName: 'default',
        accessString: 'off -@all',
        authenticationMode: { Type: 'no-password-required' },
        noPasswordRequired: true,
      });
      members.push(closed.ref);
    }
    const group = new CfnUserGroup(this, 'Users', { engine, userGroupId: name('users'), userIds: members });
    const userArn = user.attrArn;

    if (mode === 'serverless') {
      const cache = new CfnServerlessCache(this, 'Serverless', {
        engine,
        majorEngineVersion: engine === 'redis' ? '7' : '8',
        serverlessCacheName: unique(40),
        description: 'FCFS coupon queues',
        subnetIds,
        securityGroupIds,
        snapshotRetentionLimit: 1,
        userGroupId: group.ref,
      });
      this.resource = cache;
      this.endpointAddress = cache.attrEndpointAddress;
      this.url = `rediss://${cache.attrEndpointAddress}:${cache.attrEndpointPort}`;
      this.environment = iamAuthEnvironment('elasticache-serverless', cache.ref, user.ref);
      this.connect = new PolicyStatement({
        actions: ['elasticache:Connect'],
        resources: [cache.attrArn, userArn],
      });
      return;
    }

    if (props.nodeType && !props.nodeType.startsWith('cache.'))
      throw new Error(`An ElastiCache node type starts with "cache.", got "${props.nodeType}".`);
    const subnetGroup = new CfnSubnetGroup(this, 'Subnets', {
      description: 'FCFS coupon cache subnets (isolated)',
      subnetIds,
    });
    const replicationGroup = new CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupDescription: 'FCFS coupon queues',
      engine,
      engineVersion: engine === 'redis' ? '7.1' : '8.0',
      cacheParameterGroupName:
        engine === 'redis' ? 'default.redis7.cluster.on' : 'default.valkey8.cluster.on',
      clusterMode: 'enabled',
      cacheNodeType: props.nodeType ?? 'cache.t4g.small',
      numNodeGroups: shards,
      replicasPerNodeGroup: replicasPerShard,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      atRestEncryptionEnabled: true,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds,
      port: 6379,
      snapshotRetentionLimit: 1,
      userGroupIds: [group.ref],
    });
    Validations.of(replicationGroup).acknowledge({
      id: 'AwsSolutions::AwsSolutions-AEC5',
      reason:
        'Another port would hide nothing: only the functions security group reaches the cache, in isolated subnets, over TLS, and every connection authenticates with IAM.',
    });
    Validations.of(replicationGroup).acknowledge({
      id: 'AwsSolutions::AwsSolutions-AEC6',
      reason:
        'Authentication is on, with IAM: the user group holds only an IAM-enabled user and a disabled default user. The rule knows only the single AUTH token (AuthToken), which cannot be combined with a user group.',
    });
    this.resource = replicationGroup;
    this.endpointAddress = replicationGroup.attrConfigurationEndPointAddress;
    this.url = `rediss://${replicationGroup.attrConfigurationEndPointAddress}:${replicationGroup.attrConfigurationEndPointPort}`;
    this.environment = iamAuthEnvironment('elasticache', replicationGroup.ref, user.ref);
    this.connect = new PolicyStatement({
      actions: ['elasticache:Connect'],
      resources: [
        Stack.of(this).formatArn({
          service: 'elasticache',
          resource: 'replicationgroup',
          resourceName: replicationGroup.ref,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
        userArn,
      ],
    });
  }

  /** Lets `grantee` authenticate to the cache as the functions' user. */
  grantConnect(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(this.connect);
  }
}
