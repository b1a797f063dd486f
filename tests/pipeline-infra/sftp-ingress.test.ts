import { expect } from 'chai';
import { DEFAULT_SECURITY_POLICY, SftpIngress } from '../../modules/sftp-ingress';
import { onlyResource, resourcesOf, synthJson, type SynthesizedStack } from '../helpers/cdktf';
import { errorOf, expectCompliant, newStack, statementsOf } from './support';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const landingBucket = { bucketName: 'acme-landing', bucketArn: 'arn:aws:s3:::acme-landing', kmsKeyArn: KEY_ARN };
const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0wmN/Cr3JXqmLW7u+g9pTh+wyqDHpSQEIQczXkVx9q acme@laptop';
const RSA = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 globex';
const IDP_ARN = 'arn:aws:lambda:eu-west-1:111111111111:function:sftp-identity';

/** `${data.<type>.<id>.<attribute>}` of the only data source of a type. */
const dataRef = (synth: SynthesizedStack, type: string, attribute: string): string =>
  `\${data.${type}.${Object.keys(synth.data?.[type] ?? {})[0]}.${attribute}}`;

/** The resource of `type` whose logical id contains `fragment`. */
const resourceNamed = (synth: SynthesizedStack, type: string, fragment: string): Record<string, unknown> => {
  const matches = Object.entries(resourcesOf(synth, type)).filter(([id]) => id.includes(fragment));
  expect(matches, `${type} named *${fragment}*`).to.have.length(1);
  return matches[0][1];
};

describe('SftpIngress', () => {
  describe('GIVEN two customers with SSH keys and the defaults', () => {
    const stack = newStack();
    new SftpIngress(stack, 'sftp', {
      namePrefix: 'fileflow-dev',
      landingBucket,
      users: [
        { customer: 'acme', sshPublicKeys: [ED25519] },
        { customer: 'globex', sshPublicKeys: [RSA, ED25519] },
      ],
    });
    const synth = synthJson(stack);
    const serverId = `\${aws_transfer_server.${Object.keys(resourcesOf(synth, 'aws_transfer_server'))[0]}.id}`;
    const logGroupArn = `\${aws_cloudwatch_log_group.${Object.keys(resourcesOf(synth, 'aws_cloudwatch_log_group'))[0]}.arn}`;

    it('THEN one public SFTP server with service-managed users, the current security policy and structured logs', () => {
      const server = onlyResource(synth, 'aws_transfer_server');
      expect(server).to.deep.include({
        protocols: ['SFTP'],
        domain: 'S3',
        endpoint_type: 'PUBLIC',
        identity_provider_type: 'SERVICE_MANAGED',
        security_policy_name: 'TransferSecurityPolicy-2025-03',
        structured_log_destinations: [`${logGroupArn}:*`],
      });
      expect(DEFAULT_SECURITY_POLICY).to.equal('TransferSecurityPolicy-2025-03');
      expect(server).to.not.have.property('function');
      expect(onlyResource(synth, 'aws_cloudwatch_log_group')).to.include({
        name: '/aws/transfer/fileflow-dev-sftp',
        retention_in_days: 365,
      });
    });

    it("THEN the logging role may only write to that log group, assumed by this account's servers", () => {
      const role = resourceNamed(synth, 'aws_iam_role', 'logging-role');
      expect(role.name).to.equal('fileflow-dev-sftp-logging');
      const account = dataRef(synth, 'aws_caller_identity', 'account_id');
      const transferArn = `arn:${dataRef(synth, 'aws_partition', 'partition')}:transfer:${dataRef(synth, 'aws_region', 'region')}:${account}`;
      expect(statementsOf(role.assume_role_policy)[0].Condition).to.deep.equal({
        StringEquals: { 'aws:SourceAccount': account },
        ArnLike: { 'aws:SourceArn': `${transferArn}:server/*` },
      });
      expect(statementsOf(resourceNamed(synth, 'aws_iam_role_policy', 'logging-policy').policy)).to.deep.equal([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
          Resource: [`${logGroupArn}:*`],
        },
      ]);
    });

    it('THEN each customer logs in to a LOGICAL home whose / is their from-sftp/ prefix', () => {
      const users = Object.values(resourcesOf(synth, 'aws_transfer_user'));
      expect(
        users.map((u) => [u.user_name, u.server_id, u.home_directory_type, u.home_directory_mappings]),
      ).to.deep.equal([
        ['acme', serverId, 'LOGICAL', [{ entry: '/', target: '/acme-landing/from-sftp/acme' }]],
        ['globex', serverId, 'LOGICAL', [{ entry: '/', target: '/acme-landing/from-sftp/globex' }]],
      ]);
    });

    it('THEN every SSH key is registered for its own user', () => {
      const keys = Object.values(resourcesOf(synth, 'aws_transfer_ssh_key')).map((k) => [
        k.body,
        k.server_id,
        k.user_name,
      ]);
      const userName = (customer: string) =>
        `\${aws_transfer_user.${Object.keys(resourcesOf(synth, 'aws_transfer_user')).find((id) => id.includes(customer))}.user_name}`;
      expect(keys).to.deep.equal([
        [ED25519, serverId, userName('acme')],
        [RSA, serverId, userName('globex')],
        [ED25519, serverId, userName('globex')],
      ]);
    });

    it("THEN a customer's role reaches exactly their prefix and the landing key, nothing else", () => {
      expect(statementsOf(resourceNamed(synth, 'aws_iam_role_policy', 'user-acme').policy)).to.deep.equal([
        {
          Sid: 'ListOwnPrefix',
          Effect: 'Allow',
          Action: 's3:ListBucket',
          Resource: 'arn:aws:s3:::acme-landing',
          Condition: { StringLike: { 's3:prefix': ['from-sftp/acme/', 'from-sftp/acme/*'] } },
        },
        {
          Sid: 'ReadWriteOwnPrefix',
          Effect: 'Allow',
          Action: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'],
          Resource: 'arn:aws:s3:::acme-landing/from-sftp/acme/*',
        },
        {
          Sid: 'UseLandingKey',
          Effect: 'Allow',
          Action: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt'],
          Resource: KEY_ARN,
        },
      ]);
    });

    it("THEN only the server may assume a customer's role, and only for that customer", () => {
      const role = resourceNamed(synth, 'aws_iam_role', 'user-globex');
      expect(role.name).to.equal('fileflow-dev-sftp-globex');
      const account = dataRef(synth, 'aws_caller_identity', 'account_id');
      const transferArn = `arn:${dataRef(synth, 'aws_partition', 'partition')}:transfer:${dataRef(synth, 'aws_region', 'region')}:${account}`;
      expect(statementsOf(role.assume_role_policy)).to.deep.equal([
        {
          Effect: 'Allow',
          Principal: { Service: 'transfer.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'aws:SourceAccount': account },
            ArnEquals: { 'aws:SourceArn': `${transferArn}:user/${serverId}/globex` },
          },
        },
      ]);
    });

    it('THEN the policy pack finds nothing', () => expectCompliant(stack));
  });

  describe('GIVEN a landing bucket encrypted with SSE-S3', () => {
    it('THEN user roles get no KMS statement', () => {
      const stack = newStack();
      new SftpIngress(stack, 'sftp', {
        namePrefix: 'ff',
        landingBucket: { bucketName: 'b1', bucketArn: 'arn:aws:s3:::b1' },
        users: [{ customer: 'acme', sshPublicKeys: [ED25519] }],
      });
      const statements = statementsOf(resourceNamed(synthJson(stack), 'aws_iam_role_policy', 'user-acme').policy);
      expect(statements.map((s) => s.Sid)).to.deep.equal(['ListOwnPrefix', 'ReadWriteOwnPrefix']);
    });
  });

  describe('GIVEN the custom identity provider switch on', () => {
    it('THEN the server authenticates with that Lambda, which only this server may invoke', () => {
      const stack = newStack();
      new SftpIngress(stack, 'sftp', {
        namePrefix: 'ff',
        landingBucket,
        customIdentityProvider: true,
        identityProviderFunctionArn: IDP_ARN,
      });
      const synth = synthJson(stack);
      expect(onlyResource(synth, 'aws_transfer_server')).to.include({
        identity_provider_type: 'AWS_LAMBDA',
        function: IDP_ARN,
      });
      expect(onlyResource(synth, 'aws_lambda_permission')).to.deep.equal({
        statement_id: 'ff-sftp-identity-provider',
        action: 'lambda:InvokeFunction',
        function_name: IDP_ARN,
        principal: 'transfer.amazonaws.com',
        source_arn: `\${aws_transfer_server.${Object.keys(resourcesOf(synth, 'aws_transfer_server'))[0]}.arn}`,
      });
      expect(resourcesOf(synth, 'aws_transfer_user')).to.deep.equal({});
      expectCompliant(stack);
    });
  });

  describe('GIVEN two SFTP ingresses in one stack', () => {
    it('THEN servers, log groups and roles do not collide', () => {
      const stack = newStack();
      for (const namePrefix of ['ff-partners', 'ff-internal']) {
        new SftpIngress(stack, namePrefix, {
          namePrefix,
          landingBucket,
          users: [{ customer: 'acme', sshPublicKeys: [ED25519] }],
        });
      }
      const synth = synthJson(stack);
      expect(Object.keys(resourcesOf(synth, 'aws_transfer_server'))).to.have.length(2);
      expect(Object.values(resourcesOf(synth, 'aws_cloudwatch_log_group')).map((g) => g.name)).to.have.members([
        '/aws/transfer/ff-partners-sftp',
        '/aws/transfer/ff-internal-sftp',
      ]);
      expect(Object.values(resourcesOf(synth, 'aws_iam_role')).map((r) => r.name)).to.have.members([
        'ff-partners-sftp-logging',
        'ff-partners-sftp-acme',
        'ff-internal-sftp-logging',
        'ff-internal-sftp-acme',
      ]);
      expectCompliant(stack);
    });
  });

  describe('GIVEN an existing server', () => {
    const existingServer = {
      serverId: 's-0123456789abcdef0',
      serverArn: 'arn:aws:transfer:eu-west-1:111111111111:server/s-0123456789abcdef0',
    };

    it('THEN only the users, their roles and keys are created, on that server', () => {
      const stack = newStack();
      const sftp = new SftpIngress(stack, 'sftp', {
        namePrefix: 'ff',
        landingBucket,
        existingServer,
        users: [{ customer: 'acme', sshPublicKeys: [ED25519] }],
      });
      const synth = synthJson(stack);
      expect(Object.keys(synth.resource ?? {}).sort()).to.deep.equal([
        'aws_iam_role',
        'aws_iam_role_policy',
        'aws_transfer_ssh_key',
        'aws_transfer_user',
      ]);
      expect(onlyResource(synth, 'aws_transfer_user').server_id).to.equal(existingServer.serverId);
      expect(onlyResource(synth, 'aws_transfer_ssh_key').server_id).to.equal(existingServer.serverId);
      const condition = statementsOf(onlyResource(synth, 'aws_iam_role').assume_role_policy)[0].Condition;
      expect(condition?.ArnEquals['aws:SourceArn']).to.match(/:user\/s-0123456789abcdef0\/acme$/);
      expect({ id: sftp.serverId, arn: sftp.serverArn, server: sftp.server }).to.deep.equal({
        id: existingServer.serverId,
        arn: existingServer.serverArn,
        server: undefined,
      });
      expectCompliant(stack);
    });

    it('WHEN server options are given as well THEN every conflict is reported at once and nothing is created', () => {
      const stack = newStack();
      const error = errorOf(
        () =>
          new SftpIngress(stack, 'sftp', {
            namePrefix: 'ff',
            landingBucket,
            existingServer,
            customIdentityProvider: true,
            securityPolicyName: 'TransferSecurityPolicy-2018-11',
          }),
      );
      expect(error.message).to.equal(
        [
          "SftpIngress 'ff':",
          '  existingServer cannot be combined with customIdentityProvider',
          '  existingServer cannot be combined with securityPolicyName',
        ].join('\n'),
      );
      expect(synthJson(stack).resource ?? {}).to.deep.equal({});
    });
  });

  describe('GIVEN conflicting identity and user props', () => {
    it('THEN all problems are reported at once', () => {
      const error = errorOf(
        () =>
          new SftpIngress(newStack(), 'sftp', {
            namePrefix: 'ff',
            landingBucket,
            customIdentityProvider: true,
            users: [
              { customer: 'ab', sshPublicKeys: [] },
              { customer: 'acme', sshPublicKeys: ['not a key'] },
            ],
          }),
      );
      expect(error.message.split('\n').slice(1)).to.deep.equal([
        '  customIdentityProvider needs identityProviderFunctionArn',
        '  users are service-managed and cannot be combined with customIdentityProvider',
        "  user 'ab' must be a customer id of 3–32 lowercase letters, digits, '-' or '_'",
        "  user 'ab' needs at least one SSH public key",
        "  user 'acme': SSH key 0 is not an OpenSSH ed25519, RSA or ECDSA public key",
      ]);
    });

    it('WHEN a function ARN is given without the switch THEN it is refused', () => {
      expect(
        () =>
          new SftpIngress(newStack(), 'sftp', {
            namePrefix: 'ff',
            landingBucket,
            identityProviderFunctionArn: IDP_ARN,
          }),
      ).to.throw(/identityProviderFunctionArn is only used with customIdentityProvider: true/);
    });
  });
});
