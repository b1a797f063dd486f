import { readdirSync } from 'node:fs';
import { expect } from 'chai';
import type { DemoRow } from '../../cli/commands/demo';
import { commandLine } from '../../cli/runtime/processes';
import { fileflow } from './helpers';

/** Live processes whose command line mentions a demo directory. */
function demoProcesses(): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((pid) => commandLine(Number(pid)) ?? '')
    .filter((line) => line.includes('fileflow-demo-'));
}

describe('fileflow demo (npm start)', function () {
  this.timeout(60_000);

  it('GIVEN nothing running WHEN `fileflow demo --json` runs THEN all four directions and the fan-out are delivered in under 30 s and the runtime is down again', async () => {
    const started = Date.now();

    const demo = await fileflow('demo', '--json');

    expect(demo.code, demo.stderr).to.equal(0);
    expect(Date.now() - started).to.be.below(30_000);
    const rows = JSON.parse(demo.stdout) as DemoRow[];
    expect(rows.map((row) => row.direction)).to.deep.equal([
      'S3 → S3',
      'S3 → SFTP',
      'SFTP → S3',
      'SFTP → SFTP',
      'fan-out S3 + SFTP',
    ]);
    for (const row of rows) {
      expect(row.status, row.file).to.equal('SUCCESS');
      expect(row.sha256, row.file).to.match(/^[0-9a-f]{12}$/);
      expect(row.bytes, row.file).to.be.above(0);
    }
    expect(rows.find((row) => row.workflow === 'hooli-fan-out')?.targets).to.equal('hooli-lake, hooli-partner');
    expect(demoProcesses()).to.deep.equal([]);
  });
});
