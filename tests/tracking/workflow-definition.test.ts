import { expect } from 'chai';
import {
  SchemaValidationError,
  parseWorkflowDefinition,
  type WorkflowDefinitionInput,
} from '../../functions/core/tracking/records';

const FINGERPRINT = 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s';

/** The seed's "copy-sftp-to-s3-and-sftp" route, written as a workflow file. */
function goodDefinition(): WorkflowDefinitionInput {
  return {
    id: 'copy-sftp-to-s3-and-sftp',
    source: { type: 's3', bucket: 'sftp-landing-zone' },
    sourcePrefix: 'from-sftp/bankpacific/',
    targets: [
      {
        id: 'archive',
        type: 's3',
        bucket: 'bank-archive-bucket',
        prefix: 'bankpacific/',
        kmsKeyId: 'alias/archive',
        storageClass: 'STANDARD_IA',
      },
      {
        id: 'partner',
        type: 'sftp',
        host: 'partner.example.com',
        username: 'bankpacific',
        credentials: { secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:partner-key' },
        hostKeyFingerprints: [FINGERPRINT],
        directory: '/incoming',
      },
    ],
    validationRegex: '^bankpacific_transactions_\\d{4}-\\d{2}-\\d{2}\\.csv$',
    notifications: { snsTopicArn: 'arn:aws:sns:eu-west-1:123456789012:transfers', onSuccess: true },
    tags: { business: 'finance' },
  };
}

function issuesOf(input: unknown): readonly string[] {
  try {
    parseWorkflowDefinition(input);
  } catch (error) {
    expect(error).to.be.instanceOf(SchemaValidationError);
    return (error as SchemaValidationError).issues;
  }
  throw new Error('expected the definition to be refused');
}

describe('workflow definition schema', () => {
  describe('GIVEN a complete S3 → S3 + SFTP definition', () => {
    it('THEN it is accepted and the unwritten settings get their defaults', () => {
      const definition = parseWorkflowDefinition(goodDefinition());
      expect(definition.enabled).to.equal(true);
      expect(definition.maxRetries).to.equal(3);
      expect(definition.backoff).to.deep.equal({ initialSeconds: 60, rate: 2, maxSeconds: 900 });
      expect(definition.maxConcurrency).to.equal(4);
      expect(definition.targets[1]).to.include({ type: 'sftp', port: 22 });
      expect(definition.notifications).to.deep.equal({
        snsTopicArn: 'arn:aws:sns:eu-west-1:123456789012:transfers',
        onSuccess: true,
        onFailure: true,
      });
    });
  });

  describe('GIVEN a pull (sftp) source', () => {
    const pull = (extra: Record<string, unknown>) => ({
      ...goodDefinition(),
      source: { type: 'sftp', endpointRef: 'partner-outbox' },
      ...extra,
    });

    it('WHEN it says what to do with pulled files THEN it is accepted', () => {
      const definition = parseWorkflowDefinition(pull({ postAction: { action: 'move', archiveDir: '/done' } }));
      expect(definition.postAction).to.deep.equal({ action: 'move', archiveDir: '/done' });
    });

    it('WHEN the post action is missing or malformed THEN the error points at postAction', () => {
      expect(issuesOf(pull({}))).to.deep.equal([
        'postAction: a pull (sftp) source needs a postAction: delete, move (with archiveDir) or keep',
      ]);
      expect(issuesOf(pull({ postAction: { action: 'shred' } }))).to.deep.equal([
        'postAction.action: action must be "delete", "move" or "keep"',
      ]);
      expect(issuesOf(pull({ postAction: { action: 'move' } }))[0]).to.match(/^postAction\.archiveDir: /);
    });
  });

  describe('GIVEN a definition with several mistakes', () => {
    it('THEN each one is reported as a JSON path and a message, in one error', () => {
      const bad = goodDefinition() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- breaking it on purpose
      bad.targets[1].hostKeyFingerprints = [];
      bad.targets[1].port = 70000;
      bad.targets[1].credentials = { secretArn: bad.targets[1].credentials.secretArn, privateKeyFile: '/k' };
      bad.targets[0].storageClas = 'GLACIER';
      bad.validationRegex = '([unclosed';
      bad.backoff = { initialSeconds: 600, rate: 2, maxSeconds: 60 };
      bad.maxRetries = -1;

      expect(issuesOf(bad)).to.have.members([
        'targets[0].storageClas: unknown field (check the spelling)',
        'targets[1].port: Too big: expected number to be <=65535',
        'targets[1].credentials: set exactly one of secretArn (AWS) or privateKeyFile (local runtime)',
        'targets[1].hostKeyFingerprints: list at least one host key fingerprint: transfers refuse hosts they cannot verify',
        'validationRegex: must be a valid JavaScript regular expression',
        'maxRetries: Too small: expected number to be >=0',
        'backoff.maxSeconds: maxSeconds must be at least initialSeconds',
      ]);
    });

    it('THEN the thrown message lists the same lines, ready to print', () => {
      expect(() => parseWorkflowDefinition({ ...goodDefinition(), id: 'has space' })).to.throw(
        SchemaValidationError,
        /workflow definition is invalid:\n {2}id: must be 1-128 letters/,
      );
    });
  });

  describe('GIVEN targets that cannot be told apart or verified', () => {
    it('THEN duplicate ids, unknown types and bad fingerprints are refused', () => {
      const definition = goodDefinition() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- breaking it on purpose
      definition.targets[1].id = 'archive';
      definition.targets[1].hostKeyFingerprints = ['MD5:aa:bb'];
      definition.targets.push({ id: 'ftp', type: 'ftp' });
      const issues = issuesOf(definition);
      expect(issues).to.include('targets[1].id: duplicate target id "archive"');
      expect(issues).to.include('targets[2].type: type must be "s3" or "sftp"');
      expect(
        issues.some((line) => line.startsWith('targets[1].hostKeyFingerprints[0]: must be an OpenSSH SHA256')),
      ).to.equal(true);
    });

    it('THEN an S3 source with a post action and notifications without a channel are refused', () => {
      expect(
        issuesOf({ ...goodDefinition(), postAction: { action: 'delete' }, notifications: { onFailure: true } }),
      ).to.have.members([
        'postAction: only pull (sftp) sources have a postAction',
        'notifications: set snsTopicArn or webhookSecretArn (or leave notifications out)',
      ]);
    });

    it('THEN a definition that is not an object at all is reported at the root', () => {
      expect(issuesOf('copy everything')).to.deep.equal(['(root): Invalid input: expected object, received string']);
    });
  });
});
