import { PolicyStatement } from './iam';
import { PayloadTemplate } from './json';

/** A DynamoDB table: the name goes into the request, the ARN into the IAM grant. */
export interface DynamoTable {
  /** Table name (may be a Terraform token). */
  readonly tableName: string;
  /** Table ARN (may be a Terraform token). */
  readonly tableArn: string;
}

/** An SQS queue: the URL goes into the request, the ARN into the IAM grant. */
export interface SqsQueue {
  /** Queue URL (may be a Terraform token). */
  readonly queueUrl: string;
  /** Queue ARN (may be a Terraform token). */
  readonly queueArn: string;
}

/** An S3 bucket: the name goes into the request, the ARN into the IAM grant. */
export interface S3Bucket {
  /** Bucket name (may be a Terraform token). */
  readonly bucketName: string;
  /** Bucket ARN (may be a Terraform token). */
  readonly bucketArn: string;
}

/** Options of {@link TaskIntegration.lambdaInvoke}. */
export interface LambdaInvokeProps {
  /** Function ARN (may be a Terraform token). */
  readonly functionArn: string;
  /** Payload template sent to the function. @default the state's whole input */
  readonly payload?: PayloadTemplate;
  /**
   * Call the function ARN directly so the result is the function's return
   * value, instead of the `lambda:invoke` response (`{ Payload, StatusCode, … }`).
   * @default false
   */
  readonly payloadResponseOnly?: boolean;
}

/** Options of an integration whose request fields are written as in ASL. */
interface RequestProps {
  /**
   * The remaining request fields, in the API's own (ASL) names, e.g.
   * `{ 'Message.$': '$.summary' }`. The resource's identity (table, topic,
   * queue, bucket) comes from the typed field, so the IAM grant matches it.
   */
  readonly parameters: PayloadTemplate;
}

/** Options of {@link TaskIntegration.awsSdk}. */
export interface AwsSdkProps {
  /** Service name as in the SDK integration ARN, e.g. `s3`, `sfn`, `secretsmanager`. */
  readonly service: string;
  /** API action in camelCase, e.g. `copyObject`. */
  readonly action: string;
  /** Request fields in the API's names (`Bucket`, `Key.$`, …). @default no parameters */
  readonly parameters?: PayloadTemplate;
  /** IAM the call needs; not inferred, as SDK action and resource names vary by service. */
  readonly policyStatements: PolicyStatement[];
}

/**
 * What a Task calls: its `Resource`, `Parameters` and the IAM the execution
 * role needs for it. Built by the static factories, one per integration.
 */
export class TaskIntegration {
  /** Invokes a Lambda function; grants the function and its versions/aliases. */
  public static lambdaInvoke(props: LambdaInvokeProps): TaskIntegration {
    const grant = [{ actions: ['lambda:InvokeFunction'], resources: [props.functionArn, `${props.functionArn}:*`] }];
    if (props.payloadResponseOnly) {
      return new TaskIntegration(props.functionArn, props.payload, grant);
    }
    const payload: PayloadTemplate = props.payload ? { Payload: props.payload } : { 'Payload.$': '$' };
    return new TaskIntegration(
      'arn:aws:states:::lambda:invoke',
      { FunctionName: props.functionArn, ...payload },
      grant,
    );
  }

  /** Writes an item (`Item`, `ConditionExpression`, … in `parameters`). */
  public static dynamoPutItem(props: { readonly table: DynamoTable } & RequestProps): TaskIntegration {
    return TaskIntegration.dynamo('putItem', 'dynamodb:PutItem', props);
  }

  /** Updates an item (`Key`, `UpdateExpression`, … in `parameters`). */
  public static dynamoUpdateItem(props: { readonly table: DynamoTable } & RequestProps): TaskIntegration {
    return TaskIntegration.dynamo('updateItem', 'dynamodb:UpdateItem', props);
  }

  /** Reads an item (`Key`, … in `parameters`). */
  public static dynamoGetItem(props: { readonly table: DynamoTable } & RequestProps): TaskIntegration {
    return TaskIntegration.dynamo('getItem', 'dynamodb:GetItem', props);
  }

  /** Publishes to an SNS topic (`Message`, `Subject`, … in `parameters`). */
  public static snsPublish(props: { readonly topicArn: string } & RequestProps): TaskIntegration {
    return new TaskIntegration(
      'arn:aws:states:::sns:publish',
      withIdentity('sns:publish', { TopicArn: props.topicArn }, props.parameters),
      [{ actions: ['sns:Publish'], resources: [props.topicArn] }],
    );
  }

  /** Sends to an SQS queue (`MessageBody`, … in `parameters`). */
  public static sqsSendMessage(props: { readonly queue: SqsQueue } & RequestProps): TaskIntegration {
    return new TaskIntegration(
      'arn:aws:states:::sqs:sendMessage',
      withIdentity('sqs:sendMessage', { QueueUrl: props.queue.queueUrl }, props.parameters),
      [{ actions: ['sqs:SendMessage'], resources: [props.queue.queueArn] }],
    );
  }

  /**
   * Writes an object through the SDK integration (`Key`, `Body`, … in
   * `parameters`); the grant covers only keys under `keyPrefix`.
   */
  public static s3PutObject(
    props: { readonly bucket: S3Bucket; /** @default '' (whole bucket) */ readonly keyPrefix?: string } & RequestProps,
  ): TaskIntegration {
    return TaskIntegration.awsSdk({
      service: 's3',
      action: 'putObject',
      parameters: withIdentity('s3:putObject', { Bucket: props.bucket.bucketName }, props.parameters),
      policyStatements: [
        { actions: ['s3:PutObject'], resources: [`${props.bucket.bucketArn}/${props.keyPrefix ?? ''}*`] },
      ],
    });
  }

  /** Any AWS SDK integration (`arn:aws:states:::aws-sdk:<service>:<action>`), with its IAM stated by the caller. */
  public static awsSdk(props: AwsSdkProps): TaskIntegration {
    return new TaskIntegration(
      `arn:aws:states:::aws-sdk:${props.service}:${props.action}`,
      props.parameters,
      props.policyStatements,
    );
  }

  private static dynamo(
    action: string,
    iamAction: string,
    props: { readonly table: DynamoTable } & RequestProps,
  ): TaskIntegration {
    return new TaskIntegration(
      `arn:aws:states:::dynamodb:${action}`,
      withIdentity(`dynamodb:${action}`, { TableName: props.table.tableName }, props.parameters),
      [{ actions: [iamAction], resources: [props.table.tableArn] }],
    );
  }

  private constructor(
    /** The Task's `Resource`. */
    public readonly resource: string,
    /** The Task's `Parameters`, if any. */
    public readonly parameters: PayloadTemplate | undefined,
    /** IAM the execution role needs for this call. */
    public readonly policyStatements: PolicyStatement[],
  ) {}
}

/**
 * Puts the identity field first and refuses it in `parameters`: a target
 * set there would bypass the typed field the IAM grant is derived from.
 */
function withIdentity(integration: string, identity: PayloadTemplate, parameters: PayloadTemplate): PayloadTemplate {
  for (const field of Object.keys(identity)) {
    if (field in parameters || `${field}.$` in parameters) {
      throw new Error(`${integration}: set ${field} through its typed option, not in parameters`);
    }
  }
  return { ...identity, ...parameters };
}
