/** The SNS topic that every fileflow alarm notifies, with its e-mail subscription. */
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
