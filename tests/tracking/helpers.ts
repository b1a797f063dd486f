/**
 * Shared fixtures for the tracking specs: one real dynalite per spec file and
 * a fresh set of tables (own name prefix) per test, so tests never share state.
 */
import {
  createTables,
  localDocumentClient,
  localDynamoClient,
  startDynamo,
  type LocalDynamo,
} from '../../cli/local/dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TrackingRepository, type TrackingRepositoryOptions } from '../../functions/core/tracking/repository';
import { physicalTableNames, trackingTableSpecs, type TrackingTableNames } from '../../functions/core/tracking/tables';

/** A repository on its own tables, plus raw access for assertions on stored items. */
export interface Fixture {
  readonly repository: TrackingRepository;
  readonly documents: DynamoDBDocumentClient;
  readonly tableNames: TrackingTableNames;
  /** Where dynalite listens and the table-name prefix of this fixture, for tests of table creation itself. */
  readonly endpoint: string;
  readonly prefix: string;
}

/** A clock the test moves by hand. */
export class TestClock {
  constructor(private current: Date = new Date('2025-06-28T22:00:00.000Z')) {}
  readonly now = (): Date => new Date(this.current);
  advance(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}

/** Starts dynalite before the spec file's tests and stops it after; `fresh()` gives a repository on new tables. */
export function useLocalDynamo(): { fresh: (options?: Partial<TrackingRepositoryOptions>) => Promise<Fixture> } {
  let dynamo: LocalDynamo;
  let tableSet = 0;
  const clients: { destroy(): void }[] = [];
  before(async () => {
    dynamo = await startDynamo();
  });
  after(async () => {
    clients.forEach((client) => client.destroy());
    await dynamo.stop();
  });
  return {
    fresh: async (options = {}) => {
      const prefix = `t${++tableSet}`;
      const client = localDynamoClient(dynamo.endpoint);
      await createTables(client, trackingTableSpecs(), prefix);
      const documents = localDocumentClient(dynamo.endpoint);
      clients.push(client, documents);
      const tableNames = physicalTableNames(prefix);
      const repository = new TrackingRepository({ client: documents, tableNames, ...options });
      return { repository, documents, tableNames, endpoint: dynamo.endpoint, prefix };
    },
  };
}
