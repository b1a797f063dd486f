/**
 * The flow config: one JSON file per flow test under `config/flows/`, and named groups
 * of flows under `config/groups/`. This zod schema is the single source; the JSON Schema
 * that editors validate against (`schemas/*.schema.json`) is generated from it.
 *
 * Field names are snake_case because people write these files by hand. Every object is
 * strict, so a misspelt field is an error instead of a silently ignored setting.
 */
import { z } from 'zod';
import { ExpectedFailureReason, REASON_DESCRIPTIONS } from './reason-codes';

/** The largest synthetic file a flow may ask for: 5 GiB, S3's single-PUT limit. */
export const MAX_TESTDATA_BYTES = 5 * 1024 ** 3;

/** A flow id or group name: lowercase, starts with a letter or digit, 3 to 64 characters. */
export const FLOW_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{2,63}$/;

const FlowId = z
  .string()
  .regex(FLOW_ID_PATTERN, 'use 3–64 lowercase letters, digits, "-" or "_", starting with a letter or digit');

const SchemaReference = z
  .string()
  .describe('The JSON Schema this file is written against, for editors; ignored by fileflow.');

const Arn = (service: string, example: string) =>
  z.string().regex(new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]+:\\d{12}:.+$`), `an ARN like ${example}`);

const SecretArn = Arn('secretsmanager', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:name');

// ---------------------------------------------------------------- endpoints

/** An S3 bucket and key prefix, as a flow's source or target. */
const S3FlowEndpointSchema = z
  .strictObject({
    bucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name: 3–63 lowercase letters, digits, "." or "-"'),
    prefix: z
      .string()
      .regex(/^(?:[^/].*\/)?$/, 'a key prefix ending in "/" and not starting with one ("" for the bucket root)')
      .describe('Key prefix the test file is written under or expected at, e.g. "partners/acme/inbox/".'),
    kms_key_id: z
      .string()
      .min(1)
      .optional()
      .describe('KMS key (id, ARN or alias) to encrypt seeded objects with; absent means the bucket default.'),
  })
  .meta({ id: 'S3Endpoint', description: 'An S3 bucket and key prefix.' });

/**
 * The SFTP server's pinned identity. fileflow never connects to an unpinned server:
 * the harness exists to notice a swapped host, not to trust one.
 */
const FlowHostKeySchema = z
  .strictObject({
    fingerprints: z
      .array(
        z
          .string()
          .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'an OpenSSH fingerprint looks like SHA256:<43 base64 characters>'),
      )
      .min(1)
      .optional()
      .describe(
        'Accepted host key fingerprints, as `ssh-keygen -lf` prints them (SHA256:…). Several allow a key rotation.',
      ),
    known_hosts_line: z
      .string()
      .regex(/^\S+\s+\S+\s+[A-Za-z0-9+/]+={0,2}(?:\s.*)?$/, 'a known_hosts line: "<host> <key type> <base64 key>"')
      .optional()
      .describe('One known_hosts line for the server, as `ssh-keyscan` prints it.'),
  })
  .refine((pin) => pin.fingerprints !== undefined || pin.known_hosts_line !== undefined, {
    message: 'pin the server: give fingerprints, a known_hosts_line, or both',
  })
  .meta({ anyOf: [{ required: ['fingerprints'] }, { required: ['known_hosts_line'] }] })
  .describe('How the SFTP server proves who it is. Required: fileflow does not connect to unpinned servers.');

/** Where the SSH private key for an SFTP login comes from. */
const FlowSftpCredentialsSchema = z.union(
  [
    z
      .strictObject({
        secret_arn: SecretArn.describe('Secrets Manager secret holding the private key (PEM or OpenSSH).'),
      })
      .describe('On AWS: the private key is a Secrets Manager secret.'),
    z
      .strictObject({
        private_key_file: z.string().min(1).describe('Path to the private key, relative to the repository root.'),
      })
      .describe('Local runs only: the private key is a file on this machine.'),
  ],
  { error: 'give exactly one of secret_arn or private_key_file' },
);

/** An SFTP server, login and directory, as a flow's source or target. */
const SftpFlowEndpointSchema = z
  .strictObject({
    host: z
      .string()
      .regex(/^[A-Za-z0-9._:-]+$/, 'a host name or IP address, without scheme or port')
      .max(253),
    port: z.int().min(1).max(65535).default(22),
    username: z.string().min(1).max(100),
    credentials: FlowSftpCredentialsSchema,
    host_key: FlowHostKeySchema,
    directory: z
      .string()
      .regex(/^\//, 'an absolute directory, starting with "/"')
      .describe('Directory the test file is uploaded to or expected in.'),
  })
  .meta({ id: 'SftpEndpoint', description: 'An SFTP server, login and directory.' });

/** An S3 source or target, parsed. */
export type S3FlowEndpoint = z.infer<typeof S3FlowEndpointSchema>;
/** An SFTP source or target, parsed (port defaulted). */
export type SftpFlowEndpoint = z.infer<typeof SftpFlowEndpointSchema>;

/** A source or target: exactly one of `s3` or `sftp` (after parsing, narrowed to one of the two). */
export const FlowEndpoint = z
  .strictObject({ s3: S3FlowEndpointSchema.optional(), sftp: SftpFlowEndpointSchema.optional() })
  .superRefine((endpoint, ctx) => {
    const kinds = [endpoint.s3, endpoint.sftp].filter((kind) => kind !== undefined).length;
    if (kinds === 0) ctx.addIssue({ code: 'custom', message: 'name the endpoint: give s3 or sftp' });
    if (kinds === 2) ctx.addIssue({ code: 'custom', message: 'an endpoint is s3 or sftp, not both' });
  })
  .meta({ oneOf: [{ required: ['s3'] }, { required: ['sftp'] }] })
  .transform((endpoint) => endpoint as { s3: S3FlowEndpoint; sftp?: never } | { sftp: SftpFlowEndpoint; s3?: never })
  .meta({ id: 'Endpoint', description: 'A source or target: exactly one of s3 or sftp.' });
/** A source or target, narrowed to exactly one of `s3` or `sftp`. */
export type FlowEndpoint = z.infer<typeof FlowEndpoint>;

// ---------------------------------------------------------------- how the transfer starts

/** How the harness makes the pipeline move the seeded file. */
const TransferTriggerSchema = z
  .discriminatedUnion('mode', [
    z
      .strictObject({ mode: z.literal('event') })
      .describe('Seeding the source is the trigger: the pipeline reacts to the new file (S3 event, SFTP upload).'),
    z
      .strictObject({
        mode: z.literal('invoke'),
        function_name: z
          .string()
          .min(1)
          .describe('The transfer Lambda to invoke asynchronously: a function name or ARN.'),
        payload: z
          .record(z.string(), z.unknown())
          .default({})
          .describe('The event the transfer Lambda expects; the harness adds nothing to it.'),
      })
      .describe('Invoke a transfer Lambda asynchronously with a payload.'),
    z
      .strictObject({
        mode: z.literal('pull'),
        workflow_id: FlowId.describe('The pipeline workflow whose poller is asked to look at the source now.'),
      })
      .describe("Ask the pipeline's poller to pull from the source now."),
  ])
  .describe('How the harness makes the pipeline move the seeded file.');

// ---------------------------------------------------------------- what counts as arrived

/** What counts as a good arrival; every field has a default. */
const ValidationSchema = z
  .strictObject({
    expect_within_seconds: z
      .int()
      .min(1)
      .max(86_400)
      .default(300)
      .describe('Latency SLO: the file must be at the target this many seconds after the trigger.'),
    checksum: z
      .enum(['SHA256', 'NONE'])
      .default('SHA256')
      .describe('SHA256 compares the arrived bytes with the manifest; NONE only for flows that transform files.'),
    size_tolerance_bytes: z.int().min(0).default(0).describe('Allowed difference between sent and arrived size.'),
    post_arrival_wait_seconds: z
      .int()
      .min(0)
      .max(3600)
      .default(0)
      .describe('Wait after the file first appears before reading it (SFTP servers that list files mid-write).'),
  })
  .describe('What counts as a good arrival.');

// ---------------------------------------------------------------- the synthetic file

const ByteCount = z.int().min(0).max(MAX_TESTDATA_BYTES);

/** The synthetic file (or files) the harness generates for a run. */
const TestDataSchema = z
  .strictObject({
    size_bytes: ByteCount.optional().describe('Size of the one test file, in bytes.'),
    sizes: z
      .array(ByteCount)
      .min(1)
      .max(10)
      .optional()
      .describe('Sizes of several test files, one transfer each (e.g. 4 KiB smoke, 5 MiB typical).'),
    pattern: z
      .enum(['random', 'csv', 'jsonl', 'fixedwidth'])
      .default('random')
      .describe('What the bytes look like: random bytes, or text records in one of three layouts.'),
    filename_prefix: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-", at most 64')
      .default('diag'),
    delete_after: z.boolean().default(true).describe('Delete the test file from source and target after the run.'),
    tags: z
      .array(z.string().regex(/^[A-Za-z0-9_.:/=+@-]{1,128}$/, 'a tag: 1–128 characters, no spaces'))
      .max(10)
      .default([])
      .describe('Labels recorded with each result (and set as S3 object tags where the target is S3).'),
  })
  .superRefine((testdata, ctx) => {
    if (testdata.size_bytes !== undefined && testdata.sizes !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'give size_bytes or sizes, not both' });
    } else if (testdata.size_bytes === undefined && testdata.sizes === undefined) {
      ctx.addIssue({ code: 'custom', message: 'give size_bytes or sizes' });
    }
  })
  .meta({ oneOf: [{ required: ['size_bytes'] }, { required: ['sizes'] }] })
  .describe('The synthetic file the harness generates: exactly one of size_bytes or sizes.');

// ---------------------------------------------------------------- the verdict expected

/** What the run should end in: a good arrival, or (negative tests) one named failure. */
export const Expectation = z
  .discriminatedUnion('outcome', [
    z.strictObject({ outcome: z.literal('SUCCESS') }).describe('The file arrives intact within the SLO.'),
    z
      .strictObject({
        outcome: z.literal('FAILURE'),
        reason: ExpectedFailureReason.describe(
          `The failure this negative test expects:\n${Object.entries(REASON_DESCRIPTIONS)
            .filter(([code]) => ExpectedFailureReason.options.includes(code as ExpectedFailureReason))
            .map(([code, why]) => `${code}: ${why}`)
            .join('\n')}`,
        ),
      })
      .describe('Negative test: the run passes only if it fails with this reason.'),
  ])
  .default({ outcome: 'SUCCESS' })
  .describe('What the run should end in; default SUCCESS.');

// ---------------------------------------------------------------- who hears about it

/** The webhook payload shapes the aggregated alert can be sent in. */
export const WEBHOOK_FORMATS = ['slack', 'teams', 'jira', 'servicenow'] as const;

/** Where a failing flow is reported. */
const AlertsSchema = z
  .strictObject({
    on_failure: z.boolean().default(true).describe('Alert when the flow fails; false records the result silently.'),
    channels: z
      .array(
        z.union(
          [
            z.strictObject({ sns_topic_arn: Arn('sns', 'arn:aws:sns:us-east-1:123456789012:fileflow-alerts') }),
            z.strictObject({
              webhook_secret_arn: SecretArn.describe(
                'Secrets Manager secret holding the webhook URL, or JSON {"url", "headers", …} ' +
                  '(Jira also "project_key" and optionally "issue_type").',
              ),
              format: z
                .enum(WEBHOOK_FORMATS)
                .describe(
                  'The payload the webhook expects: a Slack incoming webhook, a Teams workflow webhook (Adaptive ' +
                    'Card), a Jira create-issue call (REST v2), or a ServiceNow incident (Table API).',
                ),
            }),
          ],
          { error: 'give exactly one of sns_topic_arn, or webhook_secret_arn with its format' },
        ),
      )
      .min(1),
  })
  .describe('Where a failing flow is reported.');

// ---------------------------------------------------------------- the flow

/**
 * Where an endpoint's files live, whatever the credentials: equal strings mean the same
 * place. Zod runs the flow's refinement even when a field failed, so the endpoint may be
 * partial here; then there is no location to compare.
 */
function endpointLocation(endpoint: Partial<FlowEndpoint> | undefined): string | undefined {
  const { s3, sftp } = endpoint ?? {};
  if (s3?.bucket !== undefined && s3.prefix !== undefined) return `s3://${s3.bucket}/${s3.prefix}`;
  if (typeof sftp?.host === 'string' && typeof sftp.directory === 'string') {
    return `sftp://${sftp.host.toLowerCase()}:${sftp.port}${sftp.directory.replace(/\/+$/, '')}`;
  }
  return undefined;
}

/** One flow test, as written in `config/flows/<flow_id>.json`. */
export const Flow = z
  .strictObject({
    $schema: SchemaReference.optional(),
    flow_id: FlowId.describe('Unique id; the file in the config bucket is config/flows/<flow_id>.json.'),
    description: z.string().max(500).optional(),
    enabled: z.boolean().default(true).describe('Disabled flows are skipped by the daily run.'),
    source: FlowEndpoint.describe('Where the harness seeds the test file.'),
    target: z
      .union([FlowEndpoint, z.array(FlowEndpoint).min(2).max(10)], {
        error: 'an endpoint ({"s3": …} or {"sftp": …}) or, for a fan-out, a list of 2 to 10 endpoints',
      })
      .describe('Where the file must arrive: one endpoint, or a list for a fan-out (it must arrive at every one).'),
    transfer: TransferTriggerSchema,
    validation: ValidationSchema.prefault({}),
    testdata: TestDataSchema,
    expect: Expectation,
    alerts: AlertsSchema.optional(),
  })
  .superRefine((flow, ctx) => {
    // Seeding the place the harness then polls would pass without any transfer at all.
    const source = endpointLocation(flow.source);
    const targets = Array.isArray(flow.target) ? flow.target : [flow.target];
    targets.forEach((target, index) => {
      if (source === undefined || endpointLocation(target) !== source) return;
      const path = Array.isArray(flow.target) ? ['target', index] : ['target'];
      ctx.addIssue({ code: 'custom', path, message: 'the target is the source itself: the test could not fail' });
    });
  })
  .meta({
    title: 'fileflow flow test',
    description: 'One flow test: seed a synthetic file at the source, trigger the transfer, check the target.',
  });
/** One flow test, parsed: defaults applied, endpoints narrowed. */
export type Flow = z.infer<typeof Flow>;
/** How a flow's transfer is started, parsed. */
export type TransferTrigger = Flow['transfer'];
/** A flow's arrival checks, with defaults applied. */
export type Validation = Flow['validation'];
/** A flow's synthetic file settings, with defaults applied. */
export type TestData = Flow['testdata'];
/** The verdict a flow expects. */
export type Expectation = z.infer<typeof Expectation>;
/** One place a failing flow is reported: an SNS topic, or a webhook in one of {@link WEBHOOK_FORMATS}. */
export type AlertChannel = NonNullable<Flow['alerts']>['channels'][number];

/** The endpoints a flow's file must reach: one, or several for a fan-out. */
export function flowTargets(flow: Flow): FlowEndpoint[] {
  return Array.isArray(flow.target) ? flow.target : [flow.target];
}

/**
 * The prefix of a `local:` placeholder. An SFTP endpoint whose `host` is `local:source` or
 * `local:target` stands for that SFTP server of the local runtime, whose port and keys
 * change on every `fileflow local up`; `fileflow flows run --local` fills them in.
 */
export const LOCAL_PLACEHOLDER_PREFIX = 'local:';

/** A flow's SFTP endpoints whose host is a `local:` placeholder, with their JSON paths. */
export function localPlaceholderEndpoints(flow: Flow): { path: string; endpoint: SftpFlowEndpoint }[] {
  const targets = Array.isArray(flow.target)
    ? flow.target.map((target, index) => ({ path: `$.target[${index}]`, target }))
    : [{ path: '$.target', target: flow.target }];
  return [{ path: '$.source', target: flow.source }, ...targets].flatMap(({ path, target }) =>
    target.sftp?.host.startsWith(LOCAL_PLACEHOLDER_PREFIX) ? [{ path: `${path}.sftp`, endpoint: target.sftp }] : [],
  );
}

// ---------------------------------------------------------------- groups

/** A named subset of flows, as written in `config/groups/<name>.json`. */
export const FlowGroup = z
  .strictObject({
    $schema: SchemaReference.optional(),
    name: FlowId.describe('The group name; the file is config/groups/<name>.json.'),
    description: z.string().max(500).optional(),
    flow_ids: z
      .array(FlowId)
      .min(1)
      .superRefine((ids, ctx) => {
        ids.forEach((id, index) => {
          if (ids.indexOf(id) !== index)
            ctx.addIssue({ code: 'custom', path: [index], message: `"${id}" is listed twice` });
        });
      })
      .meta({ uniqueItems: true })
      .describe('The flows in the group, by flow_id.'),
  })
  .meta({
    title: 'fileflow flow group',
    description: 'A named subset of flow tests, run together (e.g. daily, critical).',
  });
/** A named subset of flows. */
export type FlowGroup = z.infer<typeof FlowGroup>;
