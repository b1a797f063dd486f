import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const FILEFLOW = resolve(__dirname, '../../bin/fileflow.cjs');

/** How a `fileflow` call ended. */
export interface CliOutcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real CLI (`node bin/fileflow.cjs …`) and never throws on a non-zero exit. */
export async function fileflow(...args: string[]): Promise<CliOutcome> {
  const env = { ...process.env, NODE_NO_WARNINGS: '1' };
  try {
    const { stdout, stderr } = await run(process.execPath, [FILEFLOW, ...args], { env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** The sample workflow files shipped for the demo. */
export const SAMPLE_WORKFLOWS_DIR = resolve(__dirname, '../../config/workflows');
