/**
 * The harness's dependencies on AWS, built once per Lambda module from its environment:
 * the same {@link HarnessDeps} that `fileflow flows run` builds from local servers.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { InvocationType, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { HARNESS_METRIC_FAMILY } from '../metrics/catalogue';
import { emitHarnessRun } from '../metrics/emf';
import { SftpSessionPool } from '../sftp/session-pool';
import type { HarnessDeps, MetricsSink } from './deps';

/** Environment variables the harness functions read. */
export const HARNESS_ENVIRONMENT = {
  configBucket: 'HARNESS_CONFIG_BUCKET',
  configPrefix: 'HARNESS_CONFIG_PREFIX',
  alertTopicArn: 'HARNESS_ALERT_TOPIC_ARN',
  /** Comma-separated ARNs of the pipelines' pull-poller functions (may be empty). */
  pullPollerFunctions: 'HARNESS_PULL_POLLER_FUNCTIONS',
} as const;

/**
 * CloudWatch namespace of `RunSuccess` and `TransferLatencySeconds` when
 * `POWERTOOLS_METRICS_NAMESPACE` is not set (the harness construct sets it per instance).
 */
export const HARNESS_METRICS_NAMESPACE = 'fileflow/harness';

/** Metrics as CloudWatch embedded metric format, one EMF document per flow so each carries its FlowId dimension. */
export function emfMetrics(
  metrics = new Metrics({
    // A namespace passed here would override POWERTOOLS_METRICS_NAMESPACE, so read it ourselves.
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || HARNESS_METRICS_NAMESPACE,
    serviceName: HARNESS_METRIC_FAMILY.service,
  }),
): MetricsSink {
  return {
    recordRun(flowId, runSuccess, latencySeconds) {
      emitHarnessRun(metrics, flowId, runSuccess, latencySeconds);
    },
  };
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

/**
 * Clients for the AWS runtime. SDK clients are created without network calls, so a
 * handler pays only for the ones it uses.
 */
export function harnessDepsFromEnvironment(env: NodeJS.ProcessEnv): HarnessDeps {
  const lambda = new LambdaClient({});
  const sns = new SNSClient({});
  const pullPollers = (env[HARNESS_ENVIRONMENT.pullPollerFunctions] ?? '')
    .split(',')
    .map((arn) => arn.trim())
    .filter(Boolean);
  const invokeAsync = async (functionName: string, payload: unknown): Promise<void> => {
    await lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: InvocationType.Event,
        Payload: Buffer.from(JSON.stringify(payload)),
      }),
    );
  };
  return {
    s3: new S3Client({}),
    configBucket: required(env, HARNESS_ENVIRONMENT.configBucket),
    configPrefix: env[HARNESS_ENVIRONMENT.configPrefix] ?? 'config/',
    // Warm invocations reuse the SSH session to the same partner server.
    sftpPool: new SftpSessionPool(),
    secretsManager: new SecretsManagerClient({}),
    invokeTransfer: invokeAsync,
    // Every pipeline's poller is asked to look at this workflow's source now; a poller
    // that does not know the workflow finds nothing to do. Without a poller the flow
    // fails with a clear reason instead of waiting out its SLO.
    requestPull:
      pullPollers.length === 0
        ? undefined
        : async (workflowId) => {
            await Promise.all(pullPollers.map((arn) => invokeAsync(arn, { workflowId })));
          },
    metrics: emfMetrics(),
    publishAlert: async (subject, message, topicArn) => {
      // SNS subjects: at most 100 printable ASCII characters.
      const safeSubject = subject.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
      await sns.send(
        new PublishCommand({
          TopicArn: topicArn ?? required(env, HARNESS_ENVIRONMENT.alertTopicArn),
          Subject: safeSubject,
          Message: message,
        }),
      );
    },
  };
}
