import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { S3RVER_CREDENTIALS, s3ClientFor, startS3Server, type LocalS3Server } from '../../cli/local/s3-server';
import { FlowGroupInvalidError, FlowGroupNotFoundError, loadFlowsFromBucket } from '../../functions/core/flows/load';
import { minimalFlow } from './fixtures';

const BUCKET = 'fileflow-local-config';
const PREFIX = 'config/';

describe('loadFlowsFromBucket', () => {
  let work: string;
  let server: LocalS3Server;
  let s3: S3Client;

  const put = (key: string, body: unknown) =>
    s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: key,
        Body: typeof body === 'string' ? body : JSON.stringify(body),
        ContentType: 'application/json',
      }),
    );

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'fileflow-flows-load-'));
    server = await startS3Server({ dir: work, buckets: [BUCKET] });
    s3 = s3ClientFor(server.endpoint, S3RVER_CREDENTIALS);
    // The bucket as a team would leave it: good flows, a broken one, a disabled one, stray files.
    await put('config/flows/alpha-flow.json', minimalFlow('alpha-flow'));
    await put('config/flows/bravo-flow.json', minimalFlow('bravo-flow'));
    await put('config/flows/charlie-flow.json', minimalFlow('charlie-flow'));
    await put(
      'config/flows/broken-flow.json',
      minimalFlow('broken-flow', { testdata: { size_bytes: 1, pattern: 'xml' } }),
    );
    await put('config/flows/not-json.json', '{ "flow_id": "not-json", ');
    await put('config/flows/resting-flow.json', minimalFlow('resting-flow', { enabled: false }));
    await put('config/flows/resting-broken.json', { flow_id: 'resting-broken', enabled: false });
    await put('config/flows/renamed.json', minimalFlow('other-name'));
    await put('config/flows/README.txt', 'not a config');
    await put('config/flows/archive/alpha-flow.json', minimalFlow('alpha-flow', { description: 'old copy' }));
    await put('config/groups/critical.json', {
      name: 'critical',
      flow_ids: ['alpha-flow', 'broken-flow', 'resting-flow'],
    });
    await put('config/groups/orphans.json', { name: 'orphans', flow_ids: ['charlie-flow', 'ghost-flow'] });
    await put('config/groups/broken.json', { name: 'broken', flow_ids: [] });
  });

  after(async () => {
    s3.destroy();
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('GIVEN valid, invalid and disabled configs WHEN every flow is loaded THEN the valid enabled ones load and each invalid one is CONFIG_INVALID', async () => {
    const { flows, invalid } = await loadFlowsFromBucket(s3, BUCKET, PREFIX);

    expect(flows.map((flow) => flow.flow_id)).to.deep.equal(['alpha-flow', 'bravo-flow', 'charlie-flow']);
    expect(flows[0]!.validation.expect_within_seconds).to.equal(300);
    expect(invalid.map(({ key, flow_id, reason }) => ({ key, flow_id, reason }))).to.deep.equal([
      { key: 'config/flows/broken-flow.json', flow_id: 'broken-flow', reason: 'CONFIG_INVALID' },
      { key: 'config/flows/not-json.json', flow_id: 'not-json', reason: 'CONFIG_INVALID' },
      { key: 'config/flows/renamed.json', flow_id: 'other-name', reason: 'CONFIG_INVALID' },
    ]);
    expect(invalid[0]!.errors).to.deep.equal([
      { path: '$.testdata.pattern', message: 'expected one of "random", "csv", "jsonl", "fixedwidth"' },
    ]);
    expect(invalid[1]!.errors[0]!.message).to.match(/^not valid JSON/);
    expect(invalid[2]!.errors[0]).to.deep.equal({
      path: '$.flow_id',
      message: '"other-name" does not match the file name config/flows/renamed.json',
    });
  });

  it('GIVEN a group WHEN its flows are loaded THEN only its enabled members load, and its invalid member is CONFIG_INVALID', async () => {
    const { flows, invalid } = await loadFlowsFromBucket(s3, BUCKET, PREFIX, { group: 'critical' });
    expect(flows.map((flow) => flow.flow_id)).to.deep.equal(['alpha-flow']);
    expect(invalid.map((entry) => entry.flow_id)).to.deep.equal(['broken-flow']);
  });

  it('GIVEN a group naming a flow with no config WHEN loaded THEN that flow is CONFIG_INVALID and the others still load', async () => {
    const { flows, invalid } = await loadFlowsFromBucket(s3, BUCKET, PREFIX, { group: 'orphans' });
    expect(flows.map((flow) => flow.flow_id)).to.deep.equal(['charlie-flow']);
    expect(invalid).to.deep.equal([
      {
        key: 'config/flows/ghost-flow.json',
        flow_id: 'ghost-flow',
        reason: 'CONFIG_INVALID',
        errors: [
          {
            path: '$',
            message: `group "orphans" names this flow, but s3://${BUCKET}/config/flows/ghost-flow.json does not exist`,
          },
        ],
      },
    ]);
  });

  it('GIVEN a group and flow ids WHEN loaded THEN only flows in both are selected', async () => {
    const { flows, invalid } = await loadFlowsFromBucket(s3, BUCKET, PREFIX, {
      group: 'critical',
      flowIds: ['alpha-flow', 'bravo-flow'],
    });
    expect(flows.map((flow) => flow.flow_id)).to.deep.equal(['alpha-flow']);
    expect(invalid).to.deep.equal([]);
  });

  it('GIVEN flow ids alone WHEN loaded THEN exactly those flows are selected', async () => {
    const { flows } = await loadFlowsFromBucket(s3, BUCKET, PREFIX, { flowIds: ['bravo-flow', 'resting-flow'] });
    expect(flows.map((flow) => flow.flow_id)).to.deep.equal(['bravo-flow']);
  });

  it('GIVEN a group with no file WHEN loaded THEN FlowGroupNotFoundError names it', async () => {
    const error = await loadFlowsFromBucket(s3, BUCKET, PREFIX, { group: 'weekly' }).catch((err: unknown) => err);
    expect(error).to.be.instanceOf(FlowGroupNotFoundError);
    expect((error as Error).message).to.contain('no group "weekly"');
  });

  it('GIVEN an invalid group file WHEN loaded THEN FlowGroupInvalidError carries its errors', async () => {
    const error = await loadFlowsFromBucket(s3, BUCKET, PREFIX, { group: 'broken' }).catch((err: unknown) => err);
    expect(error).to.be.instanceOf(FlowGroupInvalidError);
    expect((error as FlowGroupInvalidError).errors[0]!.path).to.equal('$.flow_ids');
  });

  it('GIVEN an empty prefix in the bucket WHEN loaded THEN there is nothing to run and nothing invalid', async () => {
    expect(await loadFlowsFromBucket(s3, BUCKET, 'elsewhere/')).to.deep.equal({ flows: [], invalid: [] });
  });
});
