import { existsSync } from 'node:fs';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { parseTransferRequest } from '../../functions/core/pipeline/execution-input';
import {
  EXECUTION_ALREADY_EXISTS,
  pollPullSources,
  STALE_START_MS,
  type PullExecutionRequest,
  type PullPollerDeps,
} from '../../functions/core/pull/poller';
import { redrivePulledFile } from '../../functions/core/pull/redrive';
import type { PullSourceEndpoint } from '../../functions/core/pull/sources';
import { pollFingerprint } from '../../functions/core/tracking/keys';
import type { WorkflowDefinitionInput } from '../../functions/core/tracking/records';
import type { TrackingRepository } from '../../functions/core/tracking/repository';
import { useLocalServers } from '../fixtures/local-servers';
import { TestClock, useLocalDynamo } from '../tracking/helpers';

describe('pull poller: two looks, one start per version, post-action after delivery, re-drive', function () {
  this.timeout(60_000);
  const servers = useLocalServers();
  const dynamo = useLocalDynamo();
  let fileCounter = 0;

  const partner = (): PullSourceEndpoint => ({
    host: servers.sshd.host,
    port: servers.sshd.port,
    username: servers.user,
    privateKey: { file: servers.sshd.clientKeys[servers.user]! },
    hostKeyFingerprint: servers.sshd.hostKeyFingerprint,
    baseDir: servers.sftpRoot,
  });

  const workflow = (customer: string, postAction: WorkflowDefinitionInput['postAction']): WorkflowDefinitionInput => ({
    id: `${customer}-pull`,
    source: { type: 'sftp', endpointRef: 'partner' },
    sourcePrefix: `outbox/${customer}/`,
    targets: [{ id: 'lake', type: 's3', bucket: 'fileflow-lake', prefix: `${customer}/` }],
    validationRegex: '.*',
    postAction,
  });

  /** A poller on the real SFTP server and tables; Step Functions is the recorded boundary. */
  const poller = async (definition: WorkflowDefinitionInput) => {
    const clock = new TestClock(new Date());
    const { repository } = await dynamo.fresh({ clock: clock.now });
    await repository.putWorkflow(definition);
    const requests: PullExecutionRequest[] = [];
    const refusals: Error[] = [];
    const deps: PullPollerDeps = {
      repository,
      endpointClients: { sftpPool: servers.pool },
      resolveSource: (ref) => (ref === 'partner' ? partner() : undefined),
      startExecution: async (request) => {
        const refusal = refusals.shift();
        if (refusal) throw refusal;
        requests.push(request);
      },
      now: clock.now,
    };
    return { repository, requests, refusals, clock, poll: () => pollPullSources(deps) };
  };

  /** Puts a file on the partner server, with an mtime in the past so its looks are stable. */
  const drop = async (customer: string, bytes = 'a,b\n1,2\n') => {
    const fileName = `file-${++fileCounter}.csv`;
    const path = join(servers.sftpRoot, 'outbox', customer, fileName);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
    const mtime = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    await utimes(path, mtime, mtime);
    return { fileName, path, fingerprint: pollFingerprint(Buffer.byteLength(bytes), mtime) };
  };

  const recordOutcome = (
    repository: TrackingRepository,
    file: { fileName: string; fingerprint: string },
    customer: string,
    status: 'SUCCESS' | 'FAILED',
  ) =>
    repository.recordStatus({
      customerId: customer,
      fileName: file.fileName,
      workflowId: `${customer}-pull`,
      status,
      fingerprint: file.fingerprint,
      executionId: 'arn:aws:states:eu-west-1:123456789012:execution:transfer:x',
    });

  it('GIVEN a stable file WHEN it is looked at twice THEN one execution is started, named after the version, with the input Validate Input accepts', async () => {
    const { requests, poll } = await poller(workflow('acme', { action: 'keep' }));
    const file = await drop('acme');

    const first = await poll();
    const second = await poll();
    const third = await poll();

    expect(first).to.include({ waiting: 1, listed: 1 });
    expect(second.started).to.have.length(1);
    expect(third.started).to.have.length(0);
    expect(requests).to.have.length(1);
    expect(requests[0]!.name).to.match(/^pull-[0-9a-f]{40}-1$/);
    const parsed = parseTransferRequest(requests[0]!.input);
    expect(parsed).to.deep.include({ kind: 'pull', workflowId: 'acme-pull', customerId: 'acme', size: 8 });
    expect(parsed.kind === 'pull' && parsed.source).to.include({
      path: `outbox/acme/${file.fileName}`,
      baseDir: servers.sftpRoot,
    });
  });

  it('GIVEN a started file WHEN only a failure or another version is recorded THEN it stays; WHEN a SUCCESS of its version is recorded THEN the next poll moves it to the archive once', async () => {
    const { repository, poll } = await poller(workflow('initech', { action: 'move', archiveDir: 'archive/initech' }));
    const file = await drop('initech');
    await poll();
    await poll();

    await recordOutcome(repository, file, 'initech', 'FAILED');
    await recordOutcome(repository, { ...file, fingerprint: pollFingerprint(1, new Date()) }, 'initech', 'SUCCESS');
    expect((await poll()).settled).to.equal(0);
    expect(existsSync(file.path)).to.equal(true);

    await recordOutcome(repository, file, 'initech', 'SUCCESS');
    const delivered = await poll();

    expect(delivered.settled).to.equal(1);
    expect(existsSync(file.path)).to.equal(false);
    expect(existsSync(join(servers.sftpRoot, 'archive/initech', file.fileName))).to.equal(true);
    expect((await poll()).settled).to.equal(0);
  });

  it('GIVEN a kept file that was delivered WHEN it is polled again THEN it is settled once and never started again', async () => {
    const { repository, requests, poll } = await poller(workflow('hooli', { action: 'keep' }));
    const file = await drop('hooli');
    await poll();
    await poll();
    await recordOutcome(repository, file, 'hooli', 'SUCCESS');

    const polls = [await poll(), await poll(), await poll()];

    expect(polls.map((p) => p.settled)).to.deep.equal([1, 0, 0]);
    expect(requests).to.have.length(1);
    expect(existsSync(file.path)).to.equal(true);
    const { polls: looks } = await repository.statusForFile({ customerId: 'hooli', fileName: file.fileName });
    expect(looks[0]!.settledAt).to.be.a('string');
  });

  it('GIVEN a pulled file that failed WHEN an operator re-drives it THEN the next poll starts it under a new name, and deletes it once delivered', async () => {
    const { repository, requests, poll } = await poller(workflow('umbrella', { action: 'delete' }));
    const file = await drop('umbrella');
    await poll();
    await poll();
    const ref = { customerId: 'umbrella', fileName: file.fileName };
    await repository.claimTransfer({
      ...ref,
      workflowId: 'umbrella-pull',
      fingerprint: file.fingerprint,
      executionId: requests[0]!.name,
    });
    await recordOutcome(repository, file, 'umbrella', 'FAILED');
    await repository.enqueueFailure({
      ...ref,
      workflowId: 'umbrella-pull',
      fingerprint: file.fingerprint,
      executionId: requests[0]!.name,
      reasonCode: 'HOST_KEY_MISMATCH',
      lastError: 'host key mismatch',
      retryCount: 0,
      sourceUri: `sftp://${servers.user}@127.0.0.1/outbox/umbrella/${file.fileName}`,
    });
    expect((await poll()).started).to.have.length(0);

    const { failure } = await repository.resolveFailure(ref, { outcome: 'REDRIVEN', resolvedBy: 'operator' });
    expect(await redrivePulledFile(repository, failure)).to.equal('rearmed');
    const redriven = await poll();

    expect(redriven.started).to.have.length(1);
    expect(requests.map((r) => r.name.slice(-2))).to.deep.equal(['-1', '-2']);
    expect(requests[1]!.name.slice(0, -2)).to.equal(requests[0]!.name.slice(0, -2));
    await recordOutcome(repository, file, 'umbrella', 'SUCCESS');
    expect((await poll()).settled).to.equal(1);
    expect(existsSync(file.path)).to.equal(false);
  });

  it('GIVEN Step Functions refusing a start WHEN it is throttled THEN the next poll starts the same version again; WHEN the name is taken THEN it counts as started', async () => {
    const { requests, refusals, poll } = await poller(workflow('wayne', { action: 'keep' }));
    await drop('wayne');
    await drop('wayne');
    await poll();
    refusals.push(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    refusals.push(Object.assign(new Error('exists'), { name: EXECUTION_ALREADY_EXISTS }));

    const refused = await poll();
    const again = await poll();

    expect(refused.errors).to.have.length(1);
    expect(refused.errors[0]).to.match(/ThrottlingException: Rate exceeded/);
    expect(refused.started).to.have.length(1);
    expect(again.started).to.have.length(1);
    expect(requests).to.have.length(1);
    expect((await poll()).started).to.have.length(0);
  });

  it('GIVEN a start that left no trace WHEN no status of the version appears for longer than the stale limit THEN it is started again under the same name', async () => {
    const { requests, clock, poll } = await poller(workflow('stark', { action: 'keep' }));
    await drop('stark');
    await poll();
    await poll();
    expect((await poll()).started).to.have.length(0);

    clock.advance(STALE_START_MS / 1000 + 1);
    const stale = await poll();

    expect(stale.started).to.have.length(1);
    expect(requests.map((r) => r.name)).to.deep.equal([requests[0]!.name, requests[0]!.name]);
  });
});
