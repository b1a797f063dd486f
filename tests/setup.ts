/**
 * Root hooks for every spec. cdktf's `Testing.app()` (and so `synthScope`/`fullSynth`)
 * leaves `cdktf.outdir.*` folders in the temp dir; remove the ones this run made.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const startedAt = Date.now();

export const mochaHooks = {
  afterAll(): void {
    for (const name of readdirSync(tmpdir())) {
      if (!name.startsWith('cdktf.outdir.')) continue;
      const path = join(tmpdir(), name);
      if (statSync(path).mtimeMs >= startedAt - 1000) rmSync(path, { recursive: true, force: true });
    }
  },
};
