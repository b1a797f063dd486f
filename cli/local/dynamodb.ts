/**
 * Local DynamoDB for the local runtime and the tests: dynalite in memory, in
 * this process, plus table creation from the same specs the CDKTF construct
 * reads (`functions/core/tracking/tables.ts`).
 *
 * dynalite has no TTL and no streams: the specs' TTL attribute and stream view
 * are AWS-only and skipped here.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { physicalTableName, type TableSpec } from '../../functions/core/tracking/tables';

/** dynalite ships no type declarations; this is the part of its API used here. */
type DynaliteFactory = (options: { createTableMs: number; deleteTableMs: number; updateTableMs: number }) => Server;
const dynalite = require('dynalite') as DynaliteFactory;

/** A running in-memory DynamoDB. */
export interface LocalDynamo {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  /** Stops the server; its data is gone. */
  stop(): Promise<void>;
}

/** Options of {@link startDynamo}. */
export interface StartDynamoOptions {
  /**
   * Port on 127.0.0.1.
   * @default 0 (any free port)
   */
  readonly port?: number;
}

/** Starts dynalite in memory on 127.0.0.1; tables become ACTIVE as soon as they are created. */
export async function startDynamo(options: StartDynamoOptions = {}): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/** A low-level client for a local endpoint (dynalite accepts any credentials). */
export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** A document client for a local endpoint, as the repository expects. */
export function localDocumentClient(endpoint: string): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(localDynamoClient(endpoint));
}

/**
 * Creates every table in `specs` named `<prefix>-<suffix>` and waits until each
 * is ACTIVE. Tables that already exist are left as they are, so it is safe to
 * call on every start.
 */
export async function createTables(client: DynamoDBClient, specs: readonly TableSpec[], prefix: string): Promise<void> {
  for (const spec of specs) {
    const TableName = physicalTableName(spec, prefix);
    try {
      await client.send(new CreateTableCommand(createTableInput(spec, TableName)));
    } catch (error) {
      if ((error as Error).name !== 'ResourceInUseException') throw error;
    }
    await waitUntilActive(client, TableName);
  }
}

/** The CreateTable request for one spec. */
function createTableInput(spec: TableSpec, TableName: string): CreateTableCommandInput {
  const keyAttributes = [spec.partitionKey, spec.sortKey];
  for (const index of spec.indexes) keyAttributes.push(index.partitionKey, index.sortKey);
  const definitions = new Map(keyAttributes.filter((a) => a !== undefined).map((a) => [a.name, a.type]));
  const keySchema = (hash: TableSpec['partitionKey'], range?: TableSpec['sortKey']) => [
    { AttributeName: hash.name, KeyType: 'HASH' as const },
    ...(range ? [{ AttributeName: range.name, KeyType: 'RANGE' as const }] : []),
  ];
  return {
    TableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...definitions].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    KeySchema: keySchema(spec.partitionKey, spec.sortKey),
    GlobalSecondaryIndexes:
      spec.indexes.length === 0
        ? undefined
        : spec.indexes.map((index) => ({
            IndexName: index.name,
            KeySchema: keySchema(index.partitionKey, index.sortKey),
            Projection:
              index.projection.type === 'INCLUDE'
                ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projection.nonKeyAttributes] }
                : { ProjectionType: index.projection.type },
          })),
  };
}

async function waitUntilActive(client: DynamoDBClient, TableName: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`table ${TableName} did not become ACTIVE`);
}
