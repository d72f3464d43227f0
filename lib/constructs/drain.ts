import { Duration, Validations } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc } from 'aws-cdk-lib/aws-ec2';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DRAIN_NEEDS } from '../../functions/routes';
import { CouponFunction } from './coupon-function';
import { grantNeeds, type NeededResources } from './grants';

export interface DrainProps extends NeededResources {
  vpc: IVpc;
  securityGroup: ISecurityGroup;
  environment: Record<string, string>;
  /** @default 5000 */
  intervalMs?: number;
}

/** Over the one-minute schedule, so the last tick of a run always finishes. */
export const DRAIN_TIMEOUT = Duration.seconds(90);

/**
 * The drain: EventBridge fires it once a minute; it ticks every DRAIN_INTERVAL_MS for 55 s
 * (or stops at once when no coupon is open).
 * One at a time (reserved concurrency 1), no async retries and a one-minute maximum event age
 * (the next minute's run takes over); failed invocations go to a dead-letter queue.
 */
export class Drain extends Construct {
  readonly fn: CouponFunction;
  readonly deadLetterQueue: Queue;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: DrainProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'Failures', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter destination of the drain function.',
    });
    this.fn = new CouponFunction(this, 'Function', {
      handlerModule: 'drain',
      description: 'Drains coupon queues into DynamoDB every few seconds',
      timeout: DRAIN_TIMEOUT,
      reservedConcurrentExecutions: 1,
      retryAttempts: 0,
      maxEventAge: Duration.minutes(1),
      onFailure: new SqsDestination(this.deadLetterQueue),
      vpc: props.vpc,
      securityGroups: [props.securityGroup],
      environment: {
        ...props.environment,
        DRAIN_INTERVAL_MS: String(props.intervalMs ?? 5000),
        DRAIN_WINDOW_MS: '55000',
      },
    });
    grantNeeds(this.fn, DRAIN_NEEDS, props);
    this.rule = new Rule(this, 'Schedule', {
      description: 'Runs the coupon drain every minute',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(this.fn, { retryAttempts: 0, maxEventAge: Duration.minutes(1) })],
    });
  }
}
