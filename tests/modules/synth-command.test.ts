import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';

const REPO_ROOT = resolve(__dirname, '..', '..');

describe('fileflow synth', () => {
  let outdir: string;
  before(() => {
    outdir = mkdtempSync(join(tmpdir(), 'fileflow-synth-'));
  });
  after(() => rmSync(outdir, { recursive: true, force: true }));

  it('GIVEN the shipped environments WHEN synthesized THEN one stack per environment is written and listed', () => {
    const run = spawnSync(process.execPath, ['bin/fileflow.cjs', 'synth', '--json', '--outdir', outdir], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).to.equal(0);
    const stacks = JSON.parse(run.stdout) as { stack: string; resources: number; backend: string }[];
    expect(stacks.map((s) => [s.stack, s.backend])).to.have.deep.members([
      ['fileflow-dev', 'terraform cloud'],
      ['fileflow-test', 's3'],
      ['fileflow-prod', 'terraform cloud'],
    ]);
    for (const { stack, resources } of stacks) {
      expect(existsSync(join(outdir, 'stacks', stack, 'cdk.tf.json'))).to.equal(true);
      expect(resources).to.be.greaterThan(50);
    }
  });
});
