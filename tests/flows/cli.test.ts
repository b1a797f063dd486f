import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { S3RVER_CREDENTIALS, s3ClientFor, startS3Server, type LocalS3Server } from '../../cli/local/s3-server';
import { minimalFlow, REPO_ROOT, sampleFlow } from './fixtures';

const CONFIG_BUCKET = 'fileflow-local-config';

/** Runs the real `fileflow` binary, as a test engineer would. */
function fileflow(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'fileflow.cjs'), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

describe('fileflow flows', () => {
  let work: string;

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'fileflow-flows-cli-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  describe('validate', () => {
    it('GIVEN the sample config tree WHEN validated THEN every file passes and the exit code is 0', () => {
      const run = fileflow(['flows', 'validate', 'config/']);
      expect(run.status, run.stdout + run.stderr).to.equal(0);
      expect(run.stdout).to.match(/7 flow\(s\) and 2 group\(s\) checked: all valid/);
    });

    it('GIVEN a directory with one broken flow among good ones WHEN validated THEN it prints file, JSON path and message and exits 1', () => {
      const flows = join(work, 'flows');
      mkdirSync(flows);
      writeJson(join(flows, 'good-one.json'), minimalFlow('good-one'));
      const broken = sampleFlow('s3-to-sftp');
      delete broken.target.sftp.host_key;
      broken.testdata.sizes = [4096];
      writeJson(join(flows, 's3-to-sftp.json'), broken);

      const run = fileflow(['flows', 'validate', flows]);

      expect(run.status).to.equal(1);
      const file = join(flows, 's3-to-sftp.json');
      expect(run.stdout).to.contain(`${file}: $.target.sftp.host_key: required\n`);
      expect(run.stdout).to.contain(`${file}: $.testdata: give size_bytes or sizes, not both\n`);
      expect(run.stdout).not.to.contain('good-one.json:');
      expect(run.stdout).to.match(/2 flow\(s\) and 0 group\(s\) checked: 1 invalid file\(s\), 2 error\(s\)\n$/);
    });

    it('GIVEN two files with the same flow_id WHEN validated THEN the second is reported as a duplicate of the first', () => {
      writeJson(join(work, 'a.json'), minimalFlow('same-flow'));
      writeJson(join(work, 'b.json'), minimalFlow('same-flow', { description: 'a copy' }));
      const run = fileflow(['flows', 'validate', work]);
      expect(run.status).to.equal(1);
      expect(run.stdout).to.contain(
        `${join(work, 'b.json')}: $.flow_id: "same-flow" is already defined in ${join(work, 'a.json')}`,
      );
    });

    it('GIVEN a group naming a flow that no file defines WHEN validated THEN the group entry is reported', () => {
      mkdirSync(join(work, 'flows'));
      mkdirSync(join(work, 'groups'));
      writeJson(join(work, 'flows', 'known-flow.json'), minimalFlow('known-flow'));
      writeJson(join(work, 'groups', 'nightly.json'), { name: 'nightly', flow_ids: ['known-flow', 'ghost-flow'] });
      const run = fileflow(['flows', 'validate', work]);
      expect(run.status).to.equal(1);
      expect(run.stdout).to.contain(
        `${join(work, 'groups', 'nightly.json')}: $.flow_ids[1]: no flow "ghost-flow" among the files checked`,
      );
    });

    it('GIVEN a path that does not exist WHEN validated THEN it is reported and the exit code is 1', () => {
      const run = fileflow(['flows', 'validate', join(work, 'nope.json')]);
      expect(run.status).to.equal(1);
      expect(run.stdout).to.contain(`${join(work, 'nope.json')}: $: no such file or directory`);
    });
  });

  describe('push, against a real local S3 server', () => {
    let server: LocalS3Server;
    let s3: S3Client;
    const env = () => ({
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
    });
    const keysInBucket = async () =>
      ((await s3.send(new ListObjectsV2Command({ Bucket: CONFIG_BUCKET }))).Contents ?? [])
        .map(({ Key }) => Key)
        .sort();

    beforeEach(async () => {
      server = await startS3Server({ dir: join(work, 's3'), buckets: [CONFIG_BUCKET] });
      s3 = s3ClientFor(server.endpoint, S3RVER_CREDENTIALS);
    });
    afterEach(async () => {
      s3.destroy();
      await server.stop();
    });

    it('GIVEN the sample tree WHEN pushed THEN each config lands at config/flows/<flow_id>.json or config/groups/<name>.json as JSON', async () => {
      const run = fileflow(
        ['flows', 'push', 'config/', '--bucket', CONFIG_BUCKET, '--s3-endpoint', server.endpoint],
        env(),
      );

      expect(run.status, run.stdout + run.stderr).to.equal(0);
      expect(await keysInBucket()).to.deep.equal([
        'config/flows/s3-fan-out.json',
        'config/flows/s3-to-s3-100mib.json',
        'config/flows/s3-to-s3.json',
        'config/flows/s3-to-sftp.json',
        'config/flows/sftp-to-s3.json',
        'config/flows/sftp-to-sftp.json',
        'config/flows/sftp-wrong-key.json',
        'config/groups/critical.json',
        'config/groups/daily.json',
      ]);
      expect(run.stdout).to.match(
        /config\/flows\/s3-to-s3\.json -> s3:\/\/fileflow-local-config\/config\/flows\/s3-to-s3\.json version \S+/,
      );
      const object = await s3.send(new GetObjectCommand({ Bucket: CONFIG_BUCKET, Key: 'config/flows/s3-to-s3.json' }));
      expect(object.ContentType).to.equal('application/json');
      expect(JSON.parse(await object.Body!.transformToString())).to.deep.equal(sampleFlow('s3-to-s3'));
    });

    it('GIVEN one invalid file among valid ones WHEN pushed THEN nothing is uploaded and the exit code is 1', async () => {
      cpSync(join(REPO_ROOT, 'config', 'flows'), join(work, 'flows'), { recursive: true });
      writeJson(
        join(work, 'flows', 'broken-flow.json'),
        minimalFlow('broken-flow', { testdata: { size_bytes: 1, pattern: 'xml' } }),
      );

      const run = fileflow(
        ['flows', 'push', join(work, 'flows'), '--bucket', CONFIG_BUCKET, '--s3-endpoint', server.endpoint],
        env(),
      );

      expect(run.status).to.equal(1);
      expect(run.stdout).to.contain(`${join(work, 'flows', 'broken-flow.json')}: $.testdata.pattern: expected one of`);
      expect(run.stdout).to.contain('nothing uploaded');
      expect(await keysInBucket()).to.deep.equal([]);
    });

    it('GIVEN a group naming a flow already in the bucket WHEN the group alone is pushed with another prefix THEN it is accepted', async () => {
      await s3.send(
        new PutObjectCommand({
          Bucket: CONFIG_BUCKET,
          Key: 'team-a/flows/known-flow.json',
          Body: JSON.stringify(minimalFlow('known-flow')),
        }),
      );
      mkdirSync(join(work, 'groups'));
      writeJson(join(work, 'groups', 'nightly.json'), { name: 'nightly', flow_ids: ['known-flow'] });
      const args = [
        'flows',
        'push',
        join(work, 'groups'),
        '--bucket',
        CONFIG_BUCKET,
        '--prefix',
        'team-a',
        '--s3-endpoint',
        server.endpoint,
      ];

      const run = fileflow(args, env());

      expect(run.status, run.stdout + run.stderr).to.equal(0);
      expect(await keysInBucket()).to.deep.equal(['team-a/flows/known-flow.json', 'team-a/groups/nightly.json']);
    });

    it('GIVEN a group naming a flow that is neither pushed nor in the bucket WHEN pushed THEN it is refused', async () => {
      mkdirSync(join(work, 'groups'));
      writeJson(join(work, 'groups', 'nightly.json'), { name: 'nightly', flow_ids: ['ghost-flow'] });
      const run = fileflow(
        ['flows', 'push', join(work, 'groups'), '--bucket', CONFIG_BUCKET, '--s3-endpoint', server.endpoint],
        env(),
      );
      expect(run.status).to.equal(1);
      expect(run.stdout).to.contain('$.flow_ids[0]: no flow "ghost-flow"');
      expect(await keysInBucket()).to.deep.equal([]);
    });
  });
});
