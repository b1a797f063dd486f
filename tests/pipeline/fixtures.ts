/**
 * One local pipeline per spec file: real sshd and s3rver (tests/fixtures), dynalite with
 * the tracking tables, and the transfer workflow run by `runLocally` over the local Task
 * handlers. Only SNS, Secrets Manager, CloudWatch and HTTP are stubs.
 */
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import sinon from 'sinon';
import {
  createTables,
  localDocumentClient,
  localDynamoClient,
  startDynamo,
  type LocalDynamo,
} from '../../cli/local/dynamodb';
import { runLocally, type JsonValue, type LocalHandler } from '../../asl';
import { buildTransferDefinition } from '../../asl/workflows/transfer';
import type { PipelineDeps, SnsPublishRequest, TransferMetric } from '../../functions/core/pipeline/deps';
import { createLocalTaskHandlers, localTransferResources } from '../../functions/core/pipeline/local-handlers';
import type { WorkflowDefinitionInput } from '../../functions/core/tracking/records';
import { TrackingRepository } from '../../functions/core/tracking/repository';
import { physicalTableNames, trackingTableSpecs, type TrackingTableNames } from '../../functions/core/tracking/tables';
import { useLocalServers, type LocalServers } from '../fixtures/local-servers';

export const LANDING_BUCKET = 'fileflow-landing';
export const ARCHIVE_BUCKET = 'fileflow-archive';
export const WEBHOOK_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme-webhook';

/** What one workflow run did, besides its output. */
export interface Run {
  /** The execution's output, or the error it failed with. */
  readonly output?: JsonValue;
  readonly failure?: Error & { cause?: { name?: string; message?: string } };
  /** How many times each Task ran. */
  readonly calls: Record<string, number>;
  /** Size in bytes of the largest JSON a Task received or returned. */
  readonly largestPayloadBytes: number;
}

/** The local pipeline and what the stubs saw. */
export interface LocalPipeline {
  readonly servers: LocalServers;
  readonly repository: TrackingRepository;
  readonly documents: DynamoDBDocumentClient;
  readonly tables: TrackingTableNames;
  readonly published: SnsPublishRequest[];
  readonly metrics: TransferMetric[];
  readonly webhookCalls: { url: string; body: unknown; headers: Record<string, string> }[];
  /** Stores a workflow definition. */
  putWorkflow(definition: WorkflowDefinitionInput): Promise<void>;
  /** Lands a file in the landing bucket and returns the S3 event EventBridge would deliver for it. */
  land(key: string, body: Buffer, sequencer?: string): Promise<JsonValue>;
  /** Runs the transfer workflow on one execution input. */
  run(input: JsonValue): Promise<Run>;
}

/** An EventBridge `Object Created` event as the Pipe's input template delivers it. */
export function objectCreatedEvent(key: string, size: number, sequencer: string): JsonValue {
  return {
    version: '0',
    id: `event-${sequencer}`,
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time: '2025-06-28T22:01:34Z',
    region: 'eu-west-1',
    resources: [`arn:aws:s3:::${LANDING_BUCKET}`],
    detail: {
      version: '0',
      bucket: { name: LANDING_BUCKET },
      object: { key, size, etag: 'd41d8cd98f00b204e9800998ecf8427e', sequencer },
      'request-id': 'R1',
      requester: '123456789012',
      reason: 'PutObject',
    },
  };
}

/** Registers mocha hooks that start the local pipeline for the enclosing suite. */
export function useLocalPipeline(): LocalPipeline {
  const servers = useLocalServers();
  const pipeline = { servers, published: [], metrics: [], webhookCalls: [] } as unknown as {
    -readonly [K in keyof LocalPipeline]: LocalPipeline[K];
  };
  let dynamo: LocalDynamo;
  let deps: PipelineDeps;
  let sequence = 0;

  before(async function () {
    this.timeout(30_000);
    dynamo = await startDynamo();
    const low = localDynamoClient(dynamo.endpoint);
    await createTables(low, trackingTableSpecs(), 'pipeline');
    low.destroy();
    const documents = localDocumentClient(dynamo.endpoint);
    const tables = physicalTableNames('pipeline');
    for (const Bucket of [LANDING_BUCKET, ARCHIVE_BUCKET])
      await servers.s3Client.send(new CreateBucketCommand({ Bucket }));
    deps = {
      s3: servers.s3Client,
      dynamo: documents,
      tables,
      endpointClients: { sftpPool: servers.pool },
      sns: sinon.stub<[SnsPublishRequest], Promise<{ MessageId: string }>>().callsFake(async (request) => {
        pipeline.published.push(request);
        return { MessageId: `message-${pipeline.published.length}` };
      }),
      secrets: async (arn) => {
        if (arn !== WEBHOOK_SECRET_ARN) throw new Error(`ResourceNotFoundException: ${arn}`);
        return JSON.stringify({
          url: 'https://hooks.example.com/fileflow?token=s3cr3t',
          headers: { authorization: 'Bearer x' },
        });
      },
      webhook: async (url, body, headers) => {
        pipeline.webhookCalls.push({ url, body, headers: { ...headers } });
        return { status: 204 };
      },
      metrics: (metric) => void pipeline.metrics.push(metric),
    };
    Object.assign(pipeline, {
      documents,
      tables,
      repository: new TrackingRepository({ client: documents, tableNames: tables }),
    });
  });
  after(async () => {
    pipeline.documents?.destroy();
    await dynamo?.stop();
  });

  pipeline.putWorkflow = async (definition) => {
    await pipeline.repository.putWorkflow(definition);
  };
  pipeline.land = async (key, body, sequencer) => {
    await servers.s3Client.send(new PutObjectCommand({ Bucket: LANDING_BUCKET, Key: key, Body: body }));
    return objectCreatedEvent(key, body.length, sequencer ?? `0062E99A88DC40${String(++sequence).padStart(4, '0')}`);
  };
  pipeline.run = async (input) => {
    const calls: Record<string, number> = {};
    let largestPayloadBytes = JSON.stringify(input).length;
    const measure = (value: unknown) => {
      largestPayloadBytes = Math.max(largestPayloadBytes, Buffer.byteLength(JSON.stringify(value ?? null)));
    };
    const handlers = Object.fromEntries(
      Object.entries(createLocalTaskHandlers(deps)).map(([name, handler]): [string, LocalHandler] => [
        name,
        async (taskInput) => {
          calls[name] = (calls[name] ?? 0) + 1;
          measure(taskInput);
          const output = await handler(taskInput);
          measure(output);
          return output;
        },
      ]),
    );
    const definition = buildTransferDefinition(localTransferResources()).toAsl();
    try {
      const output = await runLocally(definition, input, { handlers });
      measure(output);
      return { output, calls, largestPayloadBytes };
    } catch (error) {
      return { failure: error as Run['failure'], calls, largestPayloadBytes };
    }
  };
  return pipeline;
}
