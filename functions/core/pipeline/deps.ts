import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EndpointClients } from '../endpoints';
import { TrackingRepository } from '../tracking/repository';
import type { TrackingTableNames } from '../tracking/tables';

/** An SNS `Publish` request, in the API's names (the direct integration sends the same shape). */
export interface SnsPublishRequest {
  readonly TopicArn: string;
  readonly Subject?: string;
  readonly Message: string;
  readonly MessageAttributes?: Record<string, { readonly DataType: string; readonly StringValue: string }>;
}

/** Publishes to SNS and resolves to the message id. */
export type SnsPublisher = (request: SnsPublishRequest) => Promise<{ readonly MessageId: string }>;

/** Reads a secret's string value (Secrets Manager on AWS). */
export type SecretReader = (secretArn: string) => Promise<string>;

/** POSTs a JSON body to a webhook and resolves to the HTTP status. */
export type WebhookPoster = (
  url: string,
  body: unknown,
  headers: Readonly<Record<string, string>>,
) => Promise<{ readonly status: number }>;

/** One transfer outcome as a metric datum. */
export interface TransferMetric {
  readonly customerId: string;
  readonly workflowId: string;
  readonly outcome: 'SUCCESS' | 'FAILURE';
  /** Bytes delivered, summed over the targets that got the file. */
  readonly bytes: number;
  /** The slowest target's copy time. */
  readonly seconds: number;
  readonly targetsCopied: number;
  readonly targetsFailed: number;
}

/** Where metrics go: CloudWatch EMF (Powertools Metrics) on AWS, anything in tests and locally. */
export type MetricsSink = (metric: TransferMetric) => void | Promise<void>;

/**
 * Everything the pipeline cores need, injected so Lambda and the local runtime
 * (`fileflow local up`) share them. SNS, Secrets Manager, CloudWatch and HTTP have no
 * local stand-in: leave them out locally (notifications are then logged as not sent)
 * or pass stubs.
 */
export interface PipelineDeps {
  readonly s3: S3Client;
  readonly dynamo: DynamoDBDocumentClient;
  readonly tables: TrackingTableNames;
  /** SFTP session pool (and Secrets Manager for SFTP keys held there); S3 comes from `s3`. */
  readonly endpointClients: Omit<EndpointClients, 's3'>;
  /** @default none: a workflow's own SNS topic is logged as not sent */
  readonly sns?: SnsPublisher;
  /** @default none: a webhook secret cannot be read, and the webhook is logged as not sent */
  readonly secrets?: SecretReader;
  /** @default global fetch */
  readonly webhook?: WebhookPoster;
  /** @default metrics are dropped */
  readonly metrics?: MetricsSink;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** What the tracking repository needs of {@link PipelineDeps}; a step that needs no more takes only this. */
export type TrackingDeps = Pick<PipelineDeps, 'dynamo' | 'tables' | 'now'>;

/** What Log Notification needs: the tracking tables and the channels (SNS, secrets, webhooks). */
export type NotificationDeps = TrackingDeps & Pick<PipelineDeps, 'sns' | 'secrets' | 'webhook'>;

/** What a copy needs: S3 and the SFTP endpoints' clients. */
export type CopyDeps = Pick<PipelineDeps, 's3' | 'endpointClients'>;

/** The tracking repository over the injected client. */
export function repositoryOf(deps: TrackingDeps): TrackingRepository {
  return new TrackingRepository({ client: deps.dynamo, tableNames: deps.tables, clock: deps.now });
}
