import { RemovalPolicy } from 'aws-cdk-lib';
import {
  FlowLogDestination,
  GatewayVpcEndpointAwsService,
  Port,
  SecurityGroup,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface NetworkProps {
  /** @default 2 */
  maxAzs?: number;
}

/**
 * A VPC with isolated subnets only: no NAT gateway, no internet route. The functions reach
 * DynamoDB through a gateway endpoint and Redis inside the VPC. Flow logs go to CloudWatch.
 */
export class Network extends Construct {
  readonly vpc: Vpc;
  /** The functions' security group: the only one the cache accepts. */
  readonly functionsSecurityGroup: SecurityGroup;
  readonly cacheSecurityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: NetworkProps = {}) {
    super(scope, id);
    this.vpc = new Vpc(this, 'Vpc', {
      maxAzs: props.maxAzs ?? 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'isolated', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      gatewayEndpoints: { DynamoDb: { service: GatewayVpcEndpointAwsService.DYNAMODB } },
      flowLogs: {
        all: {
          destination: FlowLogDestination.toCloudWatchLogs(
            new LogGroup(this, 'FlowLogs', {
              retention: RetentionDays.ONE_MONTH,
              removalPolicy: RemovalPolicy.DESTROY,
            }),
          ),
        },
      },
    });
    this.functionsSecurityGroup = new SecurityGroup(this, 'Functions', {
      vpc: this.vpc,
      description: 'FCFS coupon functions: reach Redis and DynamoDB (gateway endpoint)',
      allowAllOutbound: true,
    });
    this.cacheSecurityGroup = new SecurityGroup(this, 'Cache', {
      vpc: this.vpc,
      description: 'FCFS coupon cache: reachable from the coupon functions only',
      allowAllOutbound: false,
    });
    // 6379 for the primary endpoint, 6380 for ElastiCache Serverless's reader endpoint.
    this.cacheSecurityGroup.addIngressRule(
      this.functionsSecurityGroup,
      Port.tcpRange(6379, 6380),
      'Redis (TLS) from the coupon functions',
    );
  }
}
