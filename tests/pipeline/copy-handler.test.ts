import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { TransferErrorNames } from '../../asl/workflows/transfer';
import { type InvocationContext } from '../../functions/core/deadline';
import { createCopyHandler } from '../../functions/core/pipeline/copy-handler';
import { trackingTableSpecs } from '../../functions/core/tracking/tables';
import { writeRandomFile } from '../fixtures/files';
import { useLocalServers } from '../fixtures/local-servers';
import { rejectionOf } from '../fixtures/rejections';

const MiB = 1024 * 1024;

/** Lambda's context with `ms` left before the function's timeout. */
const leaving = (ms: number): InvocationContext => {
  const end = Date.now() + ms;
  return { getRemainingTimeInMillis: () => end - Date.now() };
};

describe('The copy functions near their timeout', function () {
  const servers = useLocalServers();
  const saved: Record<string, string | undefined> = {};
  let sha256: string;

  before(async () => {
    const environment: Record<string, string> = { POWERTOOLS_LOG_LEVEL: 'SILENT' };
    for (const { environmentVariable } of trackingTableSpecs()) {
      environment[environmentVariable] = `fileflow-test-${environmentVariable.toLowerCase()}`;
    }
    for (const [name, value] of Object.entries(environment)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    sha256 = await writeRandomFile(join(servers.sftpRoot, 'handler', 'source.bin'), 8 * MiB);
  });
  after(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  const payload = (targetPath: string) => ({
    file: { customerId: 'acme', fileName: 'source.bin', workflowId: 'wf-handler', fingerprint: 'v1' },
    source: servers.sftpLocation('handler/source.bin'),
    target: { id: 'partner-sftp', location: servers.sftpLocation(targetPath) },
  });

  it('GIVEN ten minutes left WHEN a file is copied THEN it is delivered whole', async () => {
    const outcome = await createCopyHandler()(payload('handler/out/in-time.bin'), leaving(600_000));
    expect(outcome).to.include({ status: 'COPIED', targetId: 'partner-sftp', bytes: 8 * MiB, sha256 });
  });

  it('GIVEN less time left than the copy keeps to clean up WHEN it is invoked THEN it fails as a transient TIMEOUT the workflow retries, and nothing is left at the target', async () => {
    const failure = await rejectionOf(createCopyHandler()(payload('handler/out/too-late.bin'), leaving(5_000)), Error);
    expect(failure.name).to.equal(TransferErrorNames.transient);
    expect(failure.message).to.equal("TIMEOUT: partner-sftp: stopped 15 s before the function's timeout, to clean up");
    expect(existsSync(join(servers.sftpRoot, 'handler', 'out', 'too-late.bin'))).to.equal(false);
    const left = existsSync(join(servers.sftpRoot, 'handler', 'out'))
      ? await readdir(join(servers.sftpRoot, 'handler', 'out'))
      : [];
    expect(left.filter((name) => name.includes('too-late'))).to.deep.equal([]);
  });

  it('GIVEN no invocation context (the local runtime) WHEN a file is copied THEN no deadline applies', async () => {
    const outcome = await createCopyHandler()(payload('handler/out/local.bin'));
    expect(outcome).to.include({ status: 'COPIED', sha256 });
  });
});
