import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { METRIC } from '../../functions/commons/metric-names';

export interface ObservabilityProps {
  api: HttpApi;
  drain: IFunction;
  drainTimeout: Duration;
  /** Powertools metrics namespace and service name (the `service` dimension). */
  namespace: string;
  service: string;
  /** Pending claims above this for three minutes raise an alarm. @default 1000 */
  pendingAlarmThreshold?: number;
  /** The oldest waiting user older than this for three minutes raises an alarm. @default 60 s */
  drainLagAlarmThreshold?: Duration;
  /** Where alarms are sent, if anywhere besides the topic. */
  alarmEmail?: string;
}

/** Alarms on the drain (errors, duration, pending, lag) and a dashboard of the flash sale. */
export class Observability extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Alarms', {
      displayName: 'FCFS coupons alarms',
      masterKey: new Key(this, 'AlarmsKey', {
        enableKeyRotation: true,
        description: 'FCFS coupons alarm topic',
      }),
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    const metric = (metricName: string, statistic = 'Sum') =>
      new Metric({
        namespace: props.namespace,
        metricName,
        dimensionsMap: { service: props.service },
        statistic,
        period: Duration.minutes(1),
      });
    const alarm = (name: string, m: IMetric, threshold: number, description: string, periods = 1) => {
      const created = new Alarm(this, name, {
        metric: m,
        threshold,
        evaluationPeriods: periods,
        datapointsToAlarm: periods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(new SnsAction(this.topic));
      this.alarms.push(created);
      return created;
    };

    const fiveMinutes = { period: Duration.minutes(5) };
    alarm('DrainInvocationErrors', props.drain.metricErrors(fiveMinutes), 1, 'A drain invocation failed.');
    alarm(
      'DrainTickErrors',
      metric(METRIC.drainErrors).with(fiveMinutes),
      3,
      'Drain ticks are failing (Redis unreachable?). Winners wait in the queue.',
    );
    alarm(
      'DrainDuration',
      props.drain.metricDuration({ statistic: 'Maximum', period: Duration.minutes(1) }),
      props.drainTimeout.toMilliseconds() * 0.8,
      'A drain invocation ran close to its timeout.',
    );
    alarm(
      'PendingDepth',
      metric(METRIC.pendingDepth, 'Maximum'),
      props.pendingAlarmThreshold ?? 1000,
      'Issued coupons are not reaching DynamoDB (throttling or errors); they stay pending.',
      3,
    );
    alarm(
      'DrainLag',
      metric(METRIC.drainLag, 'Maximum'),
      (props.drainLagAlarmThreshold ?? Duration.minutes(1)).toMilliseconds(),
      'Users have waited in the queue for over a minute: the drain is behind or stopped.',
      3,
    );

    // Redis lost data, or the ledger refused what Redis decided: each one is worth a look.
    alarm(
      'RedisStateRestored',
      new MathExpression({
        expression: 'restored + sentinels',
        usingMetrics: { restored: metric(METRIC.restored), sentinels: metric(METRIC.sentinelsMissing) },
        label: 'Coupons restored, sentinels missing',
        period: Duration.minutes(1),
      }),
      1,
      'Redis lost coupon state (a failover or restart that dropped writes), or a create was cut short; the drain restored it from the ledger.',
    );
    alarm(
      'LedgerRefusedClaims',
      new MathExpression({
        expression: 'fenced + refused',
        usingMetrics: { fenced: metric(METRIC.fenced), refused: metric(METRIC.refused) },
        label: 'Claims fenced or refused by the ledger',
        period: Duration.minutes(1),
      }),
      1,
      'The DynamoDB ledger refused claims Redis made (a write from before a restore, or more than the stock): users told QUEUED may not get the coupon.',
    );

    const requests = new MathExpression({
      expression: 'queued + issued + soldOut + notOpen + closed',
      usingMetrics: {
        queued: metric(METRIC.queued),
        issued: metric(METRIC.alreadyIssued),
        soldOut: metric(METRIC.soldOut),
        notOpen: metric(METRIC.notOpen),
        closed: metric(METRIC.closed),
      },
      label: 'Coupon requests',
      period: Duration.minutes(1),
    });
    this.dashboard = new Dashboard(this, 'Dashboard', {
      widgets: [
        [
          new GraphWidget({
            title: 'Requests',
            left: [props.api.metricCount({ period: Duration.minutes(1), label: 'API requests' }), requests],
            width: 12,
          }),
          new GraphWidget({
            title: 'Answers',
            left: [
              metric(METRIC.queued),
              metric(METRIC.soldOut),
              metric(METRIC.alreadyIssued),
              metric(METRIC.notOpen),
              metric(METRIC.closed),
              metric(METRIC.http5xx),
            ],
            width: 12,
          }),
        ],
        [
          new GraphWidget({
            title: 'Issued and persisted',
            left: [metric(METRIC.issued), metric(METRIC.persisted), metric(METRIC.couponsFinished)],
            right: [metric(METRIC.restored), metric(METRIC.fenced), metric(METRIC.refused)],
            width: 8,
          }),
          new GraphWidget({
            title: 'Queue and pending',
            left: [metric(METRIC.queueDepth, 'Maximum'), metric(METRIC.pendingDepth, 'Maximum')],
            width: 8,
          }),
          new GraphWidget({
            title: 'Drain lag (ms)',
            left: [metric(METRIC.drainLag, 'Maximum'), metric(METRIC.pendingAge, 'Maximum')],
            right: [props.drain.metricDuration({ statistic: 'Maximum', period: Duration.minutes(1) })],
            width: 8,
          }),
        ],
      ],
    });
  }
}
