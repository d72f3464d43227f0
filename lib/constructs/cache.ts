import { Names, Validations } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc } from 'aws-cdk-lib/aws-ec2';
import { CfnReplicationGroup, CfnServerlessCache, CfnSubnetGroup } from 'aws-cdk-lib/aws-elasticache';
import { Construct } from 'constructs';

export type CacheEngine = 'redis' | 'valkey';
export type CacheMode = 'serverless' | 'nodes';

export interface CacheProps {
  vpc: IVpc;
  securityGroup: ISecurityGroup;
  /** @default 'redis' */
  engine?: CacheEngine;
  /** Serverless, or a node-based replication group in cluster mode. @default 'serverless' */
  mode?: CacheMode;
  /** Node-based only. @default 'cache.t4g.small' */
  nodeType?: string;
  /** Node-based only: shards. @default 1 */
  shards?: number;
  /** Node-based only: replicas per shard. @default 1 */
  replicasPerShard?: number;
}

/**
 * ElastiCache for the queues: TLS in transit and encryption at rest always, in the isolated
 * subnets, behind a security group only the functions may reach. Either way it is addressed in
 * cluster mode (Serverless is cluster-mode compatible); every key of one coupon shares a hash
 * tag, so each script touches one slot.
 */
export class Cache extends Construct {
  /** rediss://host:port of the (configuration) endpoint. */
  readonly url: string;
  readonly endpointAddress: string;
  readonly resource: CfnServerlessCache | CfnReplicationGroup;

  constructor(scope: Construct, id: string, props: CacheProps) {
    super(scope, id);
    const engine = props.engine ?? 'redis';
    const subnetIds = props.vpc.isolatedSubnets.map((subnet) => subnet.subnetId);
    const securityGroupIds = [props.securityGroup.securityGroupId];

    if ((props.mode ?? 'serverless') === 'serverless') {
      const cache = new CfnServerlessCache(this, 'Serverless', {
        engine,
        majorEngineVersion: engine === 'redis' ? '7' : '8',
        serverlessCacheName: Names.uniqueResourceName(this, { maxLength: 40, separator: '-' })
          .toLowerCase()
          .replace(/[^a-z0-9-]/g, ''),
        description: 'FCFS coupon queues',
        subnetIds,
        securityGroupIds,
        snapshotRetentionLimit: 1,
      });
      this.resource = cache;
      this.endpointAddress = cache.attrEndpointAddress;
      this.url = `rediss://${cache.attrEndpointAddress}:${cache.attrEndpointPort}`;
      return;
    }

    const subnetGroup = new CfnSubnetGroup(this, 'Subnets', {
      description: 'FCFS coupon cache subnets (isolated)',
      subnetIds,
    });
    const group = new CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupDescription: 'FCFS coupon queues',
      engine,
      engineVersion: engine === 'redis' ? '7.1' : '8.0',
      cacheParameterGroupName:
        engine === 'redis' ? 'default.redis7.cluster.on' : 'default.valkey8.cluster.on',
      clusterMode: 'enabled',
      cacheNodeType: props.nodeType ?? 'cache.t4g.small',
      numNodeGroups: props.shards ?? 1,
      replicasPerNodeGroup: props.replicasPerShard ?? 1,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      atRestEncryptionEnabled: true,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds,
      port: 6379,
      snapshotRetentionLimit: 1,
    });
    Validations.of(group).acknowledge({
      id: 'AwsSolutions::AwsSolutions-AEC6',
      reason:
        'No Redis AUTH token: only the functions security group reaches the cache, in isolated subnets, over TLS (as with the Serverless default). A token would have to reach every function through a Secrets Manager endpoint or a plaintext variable.',
    });
    this.resource = group;
    this.endpointAddress = group.attrConfigurationEndPointAddress;
    this.url = `rediss://${group.attrConfigurationEndPointAddress}:${group.attrConfigurationEndPointPort}`;
  }
}
