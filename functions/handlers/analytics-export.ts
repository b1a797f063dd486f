/**
 * Analytics Export: DynamoDB stream batches of the tracking tables → flat JSON rows →
 * Kinesis Data Firehose (which partitions them by table and day in S3). Env:
 * `DELIVERY_STREAM_NAME`; `EXPORT_TABLES`, JSON of physical table name → exported table
 * name. IAM: read the tables' streams (and their key); firehose:PutRecordBatch on the
 * delivery stream.
 */
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { z } from 'zod';
import { exportStreamBatch, StreamEvent, type BatchResponse } from '../core/analytics/export';

const env = z
  .object({
    DELIVERY_STREAM_NAME: z.string().min(1),
    EXPORT_TABLES: z.string().transform((text) => z.record(z.string(), z.string()).parse(JSON.parse(text))),
  })
  .parse(process.env);
const firehose = new FirehoseClient({});

/** Lambda entry point (event source mapping with ReportBatchItemFailures). */
export async function handler(event: unknown): Promise<BatchResponse> {
  return exportStreamBatch(StreamEvent.parse(event), {
    tables: env.EXPORT_TABLES,
    write: async (rows) => {
      const { RequestResponses = [] } = await firehose.send(
        new PutRecordBatchCommand({
          DeliveryStreamName: env.DELIVERY_STREAM_NAME,
          Records: rows.map((Data) => ({ Data })),
        }),
      );
      return RequestResponses.flatMap((response, index) => (response.ErrorCode ? [index] : []));
    },
  });
}
