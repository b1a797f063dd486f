/**
 * Flow documents for specs: a known-good sample from `config/flows/`, copied so each
 * spec can break exactly one thing in it.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root. */
export const REPO_ROOT = resolve(__dirname, '..', '..');

/** A fresh, mutable copy of a sample flow config, e.g. `sampleFlow('s3-to-sftp')`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- specs reach deep into the document to break one field
export function sampleFlow(flowId: string): Record<string, any> {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'config', 'flows', `${flowId}.json`), 'utf8'));
}

/** A minimal valid S3 → S3 flow with the given id. */
export function minimalFlow(flowId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    flow_id: flowId,
    source: { s3: { bucket: 'fileflow-local-landing', prefix: `inbound/${flowId}/` } },
    target: { s3: { bucket: 'fileflow-local-partners', prefix: `${flowId}/inbox/` } },
    transfer: { mode: 'event' },
    testdata: { size_bytes: 4096 },
    ...overrides,
  };
}
