/** Preflight, GenerateTestData and SeedSource: everything before the transfer starts. */
import { posix } from 'node:path';
import { addAbortSignal, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { copy } from '../copy';
import { createEndpoint } from '../endpoints';
import { classifyError } from '../errors';
import { flowTargets, type Flow, type FlowEndpoint } from '../flows/schema';
import { Sha256Meter } from '../sha256-meter';
import { configObject, describeEndpoint, flowEndpoint, flowLocation, nowOf, type HarnessDeps } from './deps';
import { manifestPrefix, stagingKey, testFileNames, testFileSizes, type FlowRun, type StagedFile } from './model';
import { syntheticStream } from './testdata';

/** The tag every seeded S3 object carries, so lifecycle rules and people can tell it from real data. */
export const SYNTHETIC_TAG = { 'fileflow:synthetic': 'true' } as const;

/**
 * Lists one endpoint's prefix or directory: reachable, credentials accepted, directory
 * present. Read-only on purpose: a probe file written at a watched source would itself
 * start a transfer, so writability is proven by SeedSource (its failure names that step).
 */
async function probe(endpoint: FlowEndpoint, deps: HarnessDeps): Promise<void> {
  try {
    if (endpoint.s3) {
      await deps.s3.send(
        new ListObjectsV2Command({ Bucket: endpoint.s3.bucket, Prefix: endpoint.s3.prefix, MaxKeys: 1 }),
      );
      return;
    }
    // A location names a file; list the directory as a path inside its parent.
    const directory = posix.normalize(endpoint.sftp.directory);
    const location = { ...flowLocation(endpoint, directory, deps), baseDir: posix.dirname(directory) };
    await createEndpoint(location, deps).list();
  } catch (error) {
    const classified = classifyError(error);
    classified.message = `${describeEndpoint(endpoint)}: ${classified.message}`;
    throw classified;
  }
}

/** Preflight: every endpoint of the flow answers before anything is generated. */
export async function preflight(flow: Flow, deps: HarnessDeps): Promise<{ checked: string[] }> {
  const endpoints = [flow.source, ...flowTargets(flow)];
  for (const endpoint of endpoints) await probe(endpoint, deps);
  return { checked: endpoints.map(describeEndpoint) };
}

/**
 * GenerateTestData: streams each synthetic file into `staging/<run_id>/` of the config
 * bucket, hashing on the way; returns pointers, sizes and digests only.
 */
export async function generateTestData(run: FlowRun, flow: Flow, deps: HarnessDeps): Promise<{ files: StagedFile[] }> {
  const names = testFileNames(flow.testdata, run.run_id);
  const sizes = testFileSizes(flow.testdata);
  const files: StagedFile[] = [];
  for (const [index, name] of names.entries()) {
    const size = sizes[index]!;
    const key = stagingKey(run.run_id, name);
    const meter = new Sha256Meter({ expectedBytes: size });
    const synthetic = syntheticStream(flow.testdata.pattern, `${run.seed}/${index}`, size);
    // Stopped, the stream fails and the upload is aborted.
    if (deps.signal) addAbortSignal(deps.signal, synthetic);
    const generating = pipeline(synthetic, meter);
    await Promise.all([
      generating,
      configObject(deps, key).writeAtomically(meter, { size, sha256: () => meter.digest() }),
    ]);
    files.push({ name, staging: { bucket: deps.configBucket, key }, bytes: size, sha256: meter.digest() });
  }
  return { files };
}

/** The manifest written beside each seeded file. */
function manifest(run: FlowRun, file: StagedFile, generatedAt: string): string {
  return `${JSON.stringify(
    {
      schema_ver: 1,
      flow_id: run.flow_id,
      test_run_id: run.run_id,
      file: file.name,
      generated_at: generatedAt,
      size: file.bytes,
      sha256: file.sha256,
      synthetic: true,
    },
    null,
    2,
  )}\n`;
}

/**
 * SeedSource: writes each file's sidecars (`.sha256`, `.manifest.json`) under
 * {@link manifestPrefix} in the config bucket, then copies the staged file to the flow's
 * source in one pass (the copy engine checks the digest on the way). Only the test file
 * itself lands at the watched source, so one seeded file starts exactly one transfer.
 * S3 objects are tagged synthetic.
 */
export async function seedSource(
  run: FlowRun,
  flow: Flow,
  files: readonly StagedFile[],
  deps: HarnessDeps,
): Promise<{ seeded: string[]; manifests: string; seeded_at: string }> {
  const tags = { ...SYNTHETIC_TAG, 'fileflow:flow_id': run.flow_id, 'fileflow:run_id': run.run_id };
  const prefix = manifestPrefix(run);
  const seeded: string[] = [];
  for (const file of files) {
    const sidecars: [string, string][] = [
      [`${file.name}.sha256`, `${file.sha256}  ${file.name}\n`],
      [`${file.name}.manifest.json`, manifest(run, file, run.started_at)],
    ];
    for (const [name, text] of sidecars) {
      await configObject(deps, `${prefix}${name}`).writeAtomically(Readable.from([Buffer.from(text)]), {
        size: Buffer.byteLength(text),
      });
    }
    const target = flowEndpoint(flow.source, file.name, deps, { tags });
    const result = await copy(configObject(deps, file.staging.key), target, {
      expectedSha256: file.sha256,
      signal: deps.signal,
    });
    seeded.push(result.target);
  }
  return { seeded, manifests: `s3://${deps.configBucket}/${prefix}`, seeded_at: nowOf(deps).toISOString() };
}
