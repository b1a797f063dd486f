import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseFlow, parseFlowJson, parseGroup, jsonPath } from '../../functions/core/flows/parse';
import { ExpectedFailureReason, ReasonCode } from '../../functions/core/flows/reason-codes';
import { flowTargets, MAX_TESTDATA_BYTES } from '../../functions/core/flows/schema';
import { minimalFlow, REPO_ROOT, sampleFlow } from './fixtures';

const FLOWS_DIR = join(REPO_ROOT, 'config', 'flows');
const GROUPS_DIR = join(REPO_ROOT, 'config', 'groups');

/** The errors of a flow that must not parse. */
function errorsOf(raw: unknown) {
  const result = parseFlow(raw);
  if (result.ok) throw new Error('expected the flow to be invalid, but it parsed');
  return result.errors;
}

describe('flow config schema', () => {
  describe('the sample configs', () => {
    for (const file of readdirSync(FLOWS_DIR).filter((name) => name.endsWith('.json'))) {
      it(`GIVEN config/flows/${file} WHEN parsed THEN it is valid and named after its flow_id`, () => {
        const result = parseFlowJson(readFileSync(join(FLOWS_DIR, file), 'utf8'));
        expect(result.ok, JSON.stringify(result)).to.equal(true);
        if (result.ok) expect(`${result.flow.flow_id}.json`).to.equal(file);
      });
    }

    for (const file of readdirSync(GROUPS_DIR).filter((name) => name.endsWith('.json'))) {
      it(`GIVEN config/groups/${file} WHEN parsed THEN it is valid and names only sample flows`, () => {
        const result = parseGroup(JSON.parse(readFileSync(join(GROUPS_DIR, file), 'utf8')));
        expect(result.ok, JSON.stringify(result)).to.equal(true);
        if (!result.ok) return;
        expect(`${result.group.name}.json`).to.equal(file);
        for (const id of result.group.flow_ids) expect(readdirSync(FLOWS_DIR)).to.include(`${id}.json`);
      });
    }

    it('GIVEN the samples THEN they cover all four directions, a fan-out and a negative test', () => {
      const flows = readdirSync(FLOWS_DIR).map((file) => {
        const result = parseFlowJson(readFileSync(join(FLOWS_DIR, file), 'utf8'));
        if (!result.ok) throw new Error(file);
        return result.flow;
      });
      const kind = (endpoint: object) => Object.keys(endpoint)[0];
      const directions = new Set(flows.map((flow) => `${kind(flow.source)}->${kind(flowTargets(flow)[0]!)}`));
      expect([...directions].sort()).to.deep.equal(['s3->s3', 's3->sftp', 'sftp->s3', 'sftp->sftp']);
      expect(flows.some((flow) => flowTargets(flow).length > 1)).to.equal(true);
      expect(flows.map((flow) => flow.expect)).to.deep.include({ outcome: 'FAILURE', reason: 'AUTH_FAILED' });
    });
  });

  describe('defaults', () => {
    it('GIVEN a flow with only the required fields WHEN parsed THEN enabled, validation, testdata and expect get their defaults', () => {
      const result = parseFlow(minimalFlow('minimal-flow'));
      expect(result.ok).to.equal(true);
      if (!result.ok) return;
      expect(result.flow.enabled).to.equal(true);
      expect(result.flow.validation).to.deep.equal({
        expect_within_seconds: 300,
        checksum: 'SHA256',
        size_tolerance_bytes: 0,
        post_arrival_wait_seconds: 0,
      });
      expect(result.flow.testdata).to.deep.equal({
        size_bytes: 4096,
        pattern: 'random',
        filename_prefix: 'diag',
        delete_after: true,
        tags: [],
      });
      expect(result.flow.expect).to.deep.equal({ outcome: 'SUCCESS' });
    });

    it('GIVEN an SFTP endpoint without a port WHEN parsed THEN the port is 22', () => {
      const flow = sampleFlow('sftp-to-s3');
      delete flow.source.sftp.port;
      const result = parseFlow(flow);
      expect(result.ok && 'sftp' in result.flow.source && result.flow.source.sftp?.port).to.equal(22);
    });
  });

  describe('mistakes, each reported at its JSON path', () => {
    it('GIVEN an SFTP target without host_key WHEN parsed THEN $.target.sftp.host_key is required', () => {
      const flow = sampleFlow('s3-to-sftp');
      delete flow.target.sftp.host_key;
      expect(errorsOf(flow)).to.deep.equal([{ path: '$.target.sftp.host_key', message: 'required' }]);
    });

    it('GIVEN a host_key with neither fingerprints nor known_hosts_line WHEN parsed THEN $.source.sftp.host_key asks for a pin', () => {
      const flow = sampleFlow('sftp-to-s3');
      flow.source.sftp.host_key = {};
      expect(errorsOf(flow)).to.deep.equal([
        { path: '$.source.sftp.host_key', message: 'pin the server: give fingerprints, a known_hosts_line, or both' },
      ]);
    });

    it('GIVEN a fingerprint in hex WHEN parsed THEN $.source.sftp.host_key.fingerprints[0] explains the OpenSSH form', () => {
      const flow = sampleFlow('sftp-to-s3');
      flow.source.sftp.host_key = { fingerprints: ['ab'.repeat(32)] };
      const [error] = errorsOf(flow);
      expect(error!.path).to.equal('$.source.sftp.host_key.fingerprints[0]');
      expect(error!.message).to.contain('SHA256:');
    });

    it('GIVEN testdata with both size_bytes and sizes WHEN parsed THEN $.testdata says to keep one', () => {
      const flow = minimalFlow('both-sizes', { testdata: { size_bytes: 1, sizes: [1, 2] } });
      expect(errorsOf(flow)).to.deep.equal([{ path: '$.testdata', message: 'give size_bytes or sizes, not both' }]);
    });

    it('GIVEN testdata with neither size_bytes nor sizes WHEN parsed THEN $.testdata asks for one', () => {
      expect(errorsOf(minimalFlow('no-sizes', { testdata: { pattern: 'csv' } }))).to.deep.equal([
        { path: '$.testdata', message: 'give size_bytes or sizes' },
      ]);
    });

    it('GIVEN a size above 5 GiB in sizes WHEN parsed THEN the error points at that element', () => {
      const [error] = errorsOf(minimalFlow('too-big', { testdata: { sizes: [4096, MAX_TESTDATA_BYTES + 1] } }));
      expect(error!.path).to.equal('$.testdata.sizes[1]');
    });

    it('GIVEN an unknown pattern WHEN parsed THEN $.testdata.pattern lists the allowed ones', () => {
      expect(errorsOf(minimalFlow('bad-pattern', { testdata: { size_bytes: 1, pattern: 'xml' } }))).to.deep.equal([
        { path: '$.testdata.pattern', message: 'expected one of "random", "csv", "jsonl", "fixedwidth"' },
      ]);
    });

    it('GIVEN a misspelt field WHEN parsed THEN the unknown field itself is reported', () => {
      const flow = sampleFlow('s3-to-s3');
      flow.validation.expect_within_secs = 60;
      expect(errorsOf(flow)).to.deep.equal([{ path: '$.validation.expect_within_secs', message: 'unknown field' }]);
    });

    it('GIVEN a flow_id with capitals and spaces WHEN parsed THEN $.flow_id explains the allowed form', () => {
      const [error, ...rest] = errorsOf(minimalFlow('Acme SFTP'));
      expect(rest).to.deep.equal([]);
      expect(error!.path).to.equal('$.flow_id');
      expect(error!.message).to.contain('lowercase');
    });

    it('GIVEN expect FAILURE without a reason WHEN parsed THEN $.expect.reason is required', () => {
      expect(errorsOf(minimalFlow('no-reason', { expect: { outcome: 'FAILURE' } }))).to.deep.equal([
        { path: '$.expect.reason', message: 'required' },
      ]);
    });

    it('GIVEN expect FAILURE with UNEXPECTED_SUCCESS WHEN parsed THEN it is refused (that is the verdict, not a failure mode)', () => {
      const [error] = errorsOf(
        minimalFlow('odd-reason', { expect: { outcome: 'FAILURE', reason: 'UNEXPECTED_SUCCESS' } }),
      );
      expect(error!.path).to.equal('$.expect.reason');
    });

    it('GIVEN invoke without function_name WHEN parsed THEN $.transfer.function_name is required', () => {
      expect(errorsOf(minimalFlow('no-function', { transfer: { mode: 'invoke' } }))).to.deep.equal([
        { path: '$.transfer.function_name', message: 'required' },
      ]);
    });

    it('GIVEN an endpoint that is both s3 and sftp WHEN parsed THEN $.source says to pick one', () => {
      const flow = sampleFlow('sftp-to-s3');
      flow.source.s3 = { bucket: 'fileflow-local-landing', prefix: 'x/' };
      expect(errorsOf(flow)).to.deep.equal([{ path: '$.source', message: 'an endpoint is s3 or sftp, not both' }]);
    });

    it('GIVEN the seed-style flat endpoint {type, bucket} WHEN parsed THEN each flat field is reported as unknown', () => {
      const paths = errorsOf(minimalFlow('flat-source', { source: { type: 'S3', bucket: 'b', prefix: 'p/' } })).map(
        (error) => error.path,
      );
      expect(paths).to.include.members(['$.source.type', '$.source.bucket', '$.source.prefix']);
    });

    it('GIVEN a fan-out whose second target has a bad secret ARN WHEN parsed THEN the path indexes into the list', () => {
      const flow = sampleFlow('s3-fan-out');
      flow.target[1].sftp.credentials = { secret_arn: 'sftp/globex' };
      const [error] = errorsOf(flow);
      expect(error!.path).to.equal('$.target[1].sftp.credentials.secret_arn');
    });

    it('GIVEN a webhook alert channel without its format WHEN parsed THEN $.alerts.channels[0].format is required', () => {
      const flow = sampleFlow('s3-to-sftp');
      flow.alerts.channels = [{ webhook_secret_arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:slack' }];
      expect(errorsOf(flow).map((error) => error.path)).to.deep.equal(['$.alerts.channels[0].format']);
      flow.alerts.channels[0].format = 'teams';
      expect(parseFlow(flow).ok).to.equal(true);
    });

    it('GIVEN credentials with both secret_arn and private_key_file WHEN parsed THEN $...credentials says to give one', () => {
      const flow = sampleFlow('sftp-to-s3');
      flow.source.sftp.credentials.secret_arn = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:sftp/acme';
      expect(errorsOf(flow)).to.deep.equal([
        { path: '$.source.sftp.credentials', message: 'give exactly one of secret_arn or private_key_file' },
      ]);
    });

    it('GIVEN a target equal to the source WHEN parsed THEN $.target is refused: the test could not fail', () => {
      const flow = minimalFlow('loop');
      flow.target = flow.source;
      expect(errorsOf(flow)).to.deep.equal([
        { path: '$.target', message: 'the target is the source itself: the test could not fail' },
      ]);
    });

    it('GIVEN a fan-out whose second target is the SFTP source directory WHEN parsed THEN $.target[1] is refused', () => {
      const flow = sampleFlow('sftp-to-sftp');
      flow.target = [flow.target, { sftp: { ...flow.source.sftp, directory: `${flow.source.sftp.directory}/` } }];
      expect(errorsOf(flow)).to.deep.equal([
        { path: '$.target[1]', message: 'the target is the source itself: the test could not fail' },
      ]);
    });

    it('GIVEN a number where text belongs WHEN parsed THEN the message names both types', () => {
      expect(errorsOf(minimalFlow('typed', { description: 42 }))).to.deep.equal([
        { path: '$.description', message: 'expected string, got number' },
      ]);
    });

    it('GIVEN text that is not JSON WHEN parsed THEN the error is at $', () => {
      const result = parseFlowJson('{ "flow_id": ');
      expect(result.ok).to.equal(false);
      if (!result.ok) expect(result.errors[0]!.path).to.equal('$');
    });
  });

  describe('groups', () => {
    it('GIVEN a group listing a flow twice WHEN parsed THEN the second mention is reported', () => {
      const result = parseGroup({ name: 'nightly', flow_ids: ['s3-to-s3', 's3-to-s3'] });
      expect(result).to.deep.equal({
        ok: false,
        errors: [{ path: '$.flow_ids[1]', message: '"s3-to-s3" is listed twice' }],
      });
    });

    it('GIVEN a group without flow_ids WHEN parsed THEN $.flow_ids is required', () => {
      expect(parseGroup({ name: 'nightly' })).to.deep.equal({
        ok: false,
        errors: [{ path: '$.flow_ids', message: 'required' }],
      });
    });
  });

  describe('reason codes', () => {
    it('GIVEN the reason codes THEN the brief names are there and a negative flow may expect all but UNEXPECTED_SUCCESS', () => {
      expect(ReasonCode.options).to.include.members([
        'TIMEOUT',
        'AUTH_FAILED',
        'ACCESS_DENIED',
        'HOST_KEY_MISMATCH',
        'CHECKSUM_MISMATCH',
        'SIZE_MISMATCH',
        'CONFIG_INVALID',
        'NOT_FOUND',
        'CONNECTION_LOST',
      ]);
      expect(ExpectedFailureReason.options).to.deep.equal(
        ReasonCode.options.filter((code) => code !== 'UNEXPECTED_SUCCESS'),
      );
    });
  });

  describe('jsonPath', () => {
    it('GIVEN keys that are not identifiers WHEN formatted THEN they are quoted', () => {
      expect(jsonPath(['target', 0, 'sftp', 'a key'])).to.equal('$.target[0].sftp["a key"]');
      expect(jsonPath([])).to.equal('$');
    });
  });
});
