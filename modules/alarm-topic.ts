/** The SNS topic that every fileflow alarm notifies, with its e-mail subscription. */
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { Construct } from 'constructs';

/** Props of {@link AlarmTopic}. */
export interface AlarmTopicProps {
  /** Physical topic name. */
  readonly name: string;
  /** Address subscribed to the topic (AWS sends a confirmation mail first). */
  readonly email: string;
  /**
   * KMS key (ARN or alias) that encrypts messages at rest.
   * @default the AWS-managed key `alias/aws/sns`
   */
  readonly kmsKeyId?: string;
}

/** Encrypted SNS topic for alarms, with an e-mail subscription. */
export class AlarmTopic extends Construct {
  /** The topic; alarms put its ARN in their actions. */
  public readonly topic: SnsTopic;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    this.topic = new SnsTopic(this, 'topic', {
      name: props.name,
      kmsMasterKeyId: props.kmsKeyId ?? 'alias/aws/sns',
    });
    new SnsTopicSubscription(this, 'email', {
      topicArn: this.topic.arn,
      protocol: 'email',
      endpoint: props.email,
    });
  }
}

/** Everything of an alarm but what {@link topicAlarm} sets for every fileflow alarm. */
export type TopicAlarmConfig = Omit<
  ConstructorParameters<typeof CloudwatchMetricAlarm>[2],
  'evaluationPeriods' | 'treatMissingData' | 'alarmActions' | 'okActions'
>;

/**
 * An alarm that fires on one breaching period and tells the alarm topic when it fires and when it
 * clears. A period without data (no executions, no invocations, no run) is not a failure.
 */
export function topicAlarm(
  scope: Construct,
  id: string,
  alarmTopicArn: string,
  config: TopicAlarmConfig,
): CloudwatchMetricAlarm {
  return new CloudwatchMetricAlarm(scope, id, {
    evaluationPeriods: 1,
    treatMissingData: 'notBreaching',
    alarmActions: [alarmTopicArn],
    okActions: [alarmTopicArn],
    ...config,
  });
}

/** The name and description of an alarm built on {@link topicAlarm}, and whom it tells. */
export interface NamedAlarmProps {
  readonly alarmName: string;
  readonly alarmDescription: string;
  /** The alarm topic: notified when the alarm fires and when it clears. */
  readonly alarmTopicArn: string;
}

/** What {@link functionErrorsAlarm} alarms on, and whom it tells. */
export interface FunctionErrorsAlarmProps extends NamedAlarmProps {
  /** Name of the Lambda function whose `Errors` metric is watched. */
  readonly functionName: string;
}

/** An alarm on any error of a Lambda function within 5 minutes; no invocations is not a failure. */
export function functionErrorsAlarm(
  scope: Construct,
  id: string,
  props: FunctionErrorsAlarmProps,
): CloudwatchMetricAlarm {
  return topicAlarm(scope, id, props.alarmTopicArn, {
    alarmName: props.alarmName,
    alarmDescription: props.alarmDescription,
    namespace: 'AWS/Lambda',
    metricName: 'Errors',
    dimensions: { FunctionName: props.functionName },
    statistic: 'Sum',
    period: 300,
    comparisonOperator: 'GreaterThanThreshold',
    threshold: 0,
  });
}

/** What {@link queueNotEmptyAlarm} alarms on, and whom it tells. */
export interface QueueNotEmptyAlarmProps extends NamedAlarmProps {
  /** Name of the SQS queue that should stay empty (a dead-letter queue, failed jobs). */
  readonly queueName: string;
}

/** An alarm while any message waits in a queue that should stay empty, checked every minute. */
export function queueNotEmptyAlarm(
  scope: Construct,
  id: string,
  props: QueueNotEmptyAlarmProps,
): CloudwatchMetricAlarm {
  return topicAlarm(scope, id, props.alarmTopicArn, {
    alarmName: props.alarmName,
    alarmDescription: props.alarmDescription,
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: props.queueName },
    statistic: 'Maximum',
    period: 60,
    comparisonOperator: 'GreaterThanThreshold',
    threshold: 0,
  });
}
