/**
 * The tracking tables' client, built from a Lambda's environment. Its own module, so that a
 * handler that needs no more (Log Success / Log Failure, Queue For Review) bundles no other
 * AWS client: a smaller bundle is a shorter cold start.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableNamesFromEnvironment } from '../tracking/tables';
import type { TrackingDeps } from './deps';

/** The DynamoDB client and the table names of the tracking tables' environment variables. */
export function trackingDepsFromEnvironment(env: NodeJS.ProcessEnv): TrackingDeps {
  return {
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } }),
    tables: tableNamesFromEnvironment(env),
  };
}
