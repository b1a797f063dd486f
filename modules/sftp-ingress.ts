/**
 * SFTP ingress: an AWS Transfer Family SFTP server in front of the landing bucket, and one
 * service-managed user per customer who sees exactly `from-sftp/<customer>/` as `/`.
 */
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { TransferServer } from '@cdktf/provider-aws/lib/transfer-server';
import { TransferSshKey } from '@cdktf/provider-aws/lib/transfer-ssh-key';
import { TransferUser } from '@cdktf/provider-aws/lib/transfer-user';
import { Construct } from 'constructs';
import { isValidCustomerId, landingPrefixes } from './landing-zone';
import { namePrefixProblems } from './name-prefix';
import type { BucketReference } from './secure-bucket';

/** A customer who uploads over SFTP with SSH keys. */
export interface SftpUser {
  /** Customer id; also the SFTP user name, so at least 3 characters. */
  readonly customer: string;
  /** OpenSSH public keys (`ssh-ed25519 AAAA… comment`, RSA or ECDSA); at least one. */
  readonly sshPublicKeys: readonly string[];
}

/** A Transfer Family server created elsewhere. */
export interface ExistingTransferServer {
  /** Server id, `s-…`. */
  readonly serverId: string;
  /** Server ARN. */
  readonly serverArn: string;
}

/** Props of {@link SftpIngress}. */
export interface SftpIngressProps {
  /** Prefix of every physical name (roles, log group). At most 24 characters. */
  readonly namePrefix: string;
  /** The bucket the server stores uploads in (the landing zone's). */
  readonly landingBucket: BucketReference;
  /**
   * Service-managed users, one per customer. Not allowed with a custom identity provider.
   * @default none
   */
  readonly users?: readonly SftpUser[];
  /**
   * Authenticate users with a Lambda identity provider instead of service-managed users.
   * @default false
   */
  readonly customIdentityProvider?: boolean;
  /**
   * ARN of the identity-provider Lambda; required exactly when `customIdentityProvider` is on.
   * @default none
   */
  readonly identityProviderFunctionArn?: string;
  /**
   * Server security policy (ciphers, key exchanges, MACs).
   * @default {@link DEFAULT_SECURITY_POLICY}
   */
  readonly securityPolicyName?: string;
  /**
   * Days the server's structured logs are kept.
   * @default 365
   */
  readonly logRetentionDays?: number;
  /**
   * Put the users on this server instead of creating one; no server option may be given with it.
   * @default a new server
   */
  readonly existingServer?: ExistingTransferServer;
}

/**
 * The newest standard security policy documented for provider 6.25: post-quantum hybrid key
 * exchange, no SHA-1, no CBC.
 */
export const DEFAULT_SECURITY_POLICY = 'TransferSecurityPolicy-2025-03';
const DEFAULT_LOG_RETENTION_DAYS = 365;

/** What one SFTP user is made of. */
export interface SftpUserResources {
  /** The Transfer Family user. */
  readonly user: TransferUser;
  /** The role the server assumes for this user's S3 requests. */
  readonly role: IamRole;
  /** Its SSH public keys. */
  readonly sshKeys: readonly TransferSshKey[];
}

/** A Transfer Family SFTP server storing into the landing bucket, with scoped per-customer users. */
export class SftpIngress extends Construct {
  /** Server id (of the created or the existing server). */
  public readonly serverId: string;
  /** Server ARN. */
  public readonly serverArn: string;
  /** The created server; undefined with `existingServer`. */
  public readonly server?: TransferServer;
  /** Structured logs of the created server. */
  public readonly logGroup?: CloudwatchLogGroup;
  /** The role the created server logs with. */
  public readonly loggingRole?: IamRole;
  /** Users by customer id. */
  public readonly users: ReadonlyMap<string, SftpUserResources>;

  constructor(scope: Construct, id: string, props: SftpIngressProps) {
    super(scope, id);
    checkSftpIngressProps(props);

    const account = new DataAwsCallerIdentity(this, 'account');
    const partition = new DataAwsPartition(this, 'partition');
    const region = new DataAwsRegion(this, 'region');
    const transferArn = `arn:${partition.partition}:transfer:${region.region}:${account.accountId}`;

    if (props.existingServer) {
      this.serverId = props.existingServer.serverId;
      this.serverArn = props.existingServer.serverArn;
    } else {
      this.logGroup = new CloudwatchLogGroup(this, 'logs', {
        name: `/aws/transfer/${props.namePrefix}-sftp`,
        retentionInDays: props.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
      });
      this.loggingRole = new IamRole(this, 'logging-role', {
        name: `${props.namePrefix}-sftp-logging`,
        // The server's ARN is not known before the role exists: scope to this account's servers.
        assumeRolePolicy: JSON.stringify(transferTrustPolicy(account.accountId, `${transferArn}:server/*`, 'ArnLike')),
      });
      new IamRolePolicy(this, 'logging-policy', {
        name: 'write-own-log-group',
        role: this.loggingRole.name,
        // Only this log group: no logs:CreateLogGroup, so no never-expiring group appears beside it.
        policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
              Resource: [`${this.logGroup.arn}:*`],
            },
          ],
        }),
      });
      const server = new TransferServer(this, 'server', {
        protocols: ['SFTP'],
        domain: 'S3',
        endpointType: 'PUBLIC',
        securityPolicyName: props.securityPolicyName ?? DEFAULT_SECURITY_POLICY,
        ...identityProvider(props),
        loggingRole: this.loggingRole.arn,
        structuredLogDestinations: [`${this.logGroup.arn}:*`],
        tags: { Name: `${props.namePrefix}-sftp` },
      });
      this.server = server;
      this.serverId = server.id;
      this.serverArn = server.arn;
      if (props.customIdentityProvider) {
        new LambdaPermission(this, 'identity-provider-invoke', {
          statementId: `${props.namePrefix}-sftp-identity-provider`,
          action: 'lambda:InvokeFunction',
          functionName: props.identityProviderFunctionArn as string,
          principal: 'transfer.amazonaws.com',
          sourceArn: server.arn,
        });
      }
    }

    const users = new Map<string, SftpUserResources>();
    for (const sftpUser of props.users ?? []) {
      const userScope = new Construct(this, `user-${sftpUser.customer}`);
      const role = new IamRole(userScope, 'role', {
        name: `${props.namePrefix}-sftp-${sftpUser.customer}`,
        assumeRolePolicy: JSON.stringify(
          transferTrustPolicy(
            account.accountId,
            `${transferArn}:user/${this.serverId}/${sftpUser.customer}`,
            'ArnEquals',
          ),
        ),
      });
      new IamRolePolicy(userScope, 'policy', {
        name: 'own-landing-prefix',
        role: role.name,
        policy: JSON.stringify(sftpUserPolicy(props.landingBucket, sftpUser.customer)),
      });
      const user = new TransferUser(userScope, 'user', {
        serverId: this.serverId,
        userName: sftpUser.customer,
        role: role.arn,
        homeDirectoryType: 'LOGICAL',
        homeDirectoryMappings: [{ entry: '/', target: homeDirectoryTarget(props.landingBucket, sftpUser.customer) }],
      });
      const sshKeys = sftpUser.sshPublicKeys.map(
        (body, index) =>
          new TransferSshKey(userScope, `ssh-key-${index}`, { serverId: this.serverId, userName: user.userName, body }),
      );
      users.set(sftpUser.customer, { user, role, sshKeys });
    }
    this.users = users;
  }
}

/**
 * What a customer's SFTP session may do: list, read, write and delete (SFTP clients rename
 * and resume by deleting) inside `from-sftp/<customer>/` and nowhere else, with the
 * bucket's key when it has one.
 */
export function sftpUserPolicy(bucket: BucketReference, customer: string): object {
  const prefix = landingPrefixes(customer).fromSftp;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ListOwnPrefix',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: bucket.bucketArn,
        Condition: { StringLike: { 's3:prefix': [prefix, `${prefix}*`] } },
      },
      {
        Sid: 'ReadWriteOwnPrefix',
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'],
        Resource: `${bucket.bucketArn}/${prefix}*`,
      },
      ...(bucket.kmsKeyArn === undefined
        ? []
        : [
            {
              Sid: 'UseLandingKey',
              Effect: 'Allow',
              Action: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt'],
              Resource: bucket.kmsKeyArn,
            },
          ]),
    ],
  };
}

/** The S3 path a customer's logical `/` maps to: `/<bucket>/from-sftp/<customer>`. */
export function homeDirectoryTarget(bucket: BucketReference, customer: string): string {
  return `/${bucket.bucketName}/${landingPrefixes(customer).fromSftp.replace(/\/$/, '')}`;
}

/** Trust for Transfer Family, only on behalf of this account's server or user (confused-deputy guard). */
function transferTrustPolicy(accountId: string, sourceArn: string, arnOperator: 'ArnEquals' | 'ArnLike'): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'transfer.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': accountId }, [arnOperator]: { 'aws:SourceArn': sourceArn } },
      },
    ],
  };
}

function identityProvider(props: SftpIngressProps): { identityProviderType: string; function?: string } {
  return props.customIdentityProvider
    ? { identityProviderType: 'AWS_LAMBDA', function: props.identityProviderFunctionArn }
    : { identityProviderType: 'SERVICE_MANAGED' };
}

const SSH_PUBLIC_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( .*)?$/;

/** Every problem with the props at once; throws before any resource exists. */
function checkSftpIngressProps(props: SftpIngressProps): void {
  const problems: string[] = [];
  problems.push(...namePrefixProblems(props.namePrefix, { max: 24, first: 'letter or digit' }));
  if (props.existingServer) {
    const serverOptions = [
      'customIdentityProvider',
      'identityProviderFunctionArn',
      'securityPolicyName',
      'logRetentionDays',
    ] as const;
    for (const option of serverOptions) {
      if (props[option] !== undefined) problems.push(`existingServer cannot be combined with ${option}`);
    }
  } else if (props.customIdentityProvider) {
    if (props.identityProviderFunctionArn === undefined) {
      problems.push('customIdentityProvider needs identityProviderFunctionArn');
    }
    if ((props.users ?? []).length > 0) {
      problems.push('users are service-managed and cannot be combined with customIdentityProvider');
    }
  } else if (props.identityProviderFunctionArn !== undefined) {
    problems.push('identityProviderFunctionArn is only used with customIdentityProvider: true');
  }
  const days = props.logRetentionDays;
  if (days !== undefined && !(Number.isInteger(days) && days >= 1)) {
    problems.push(`logRetentionDays ${days} must be a whole number of days ≥ 1`);
  }
  const seen = new Set<string>();
  for (const { customer, sshPublicKeys } of props.users ?? []) {
    if (!isValidCustomerId(customer) || customer.length < 3) {
      problems.push(`user '${customer}' must be a customer id of 3–32 lowercase letters, digits, '-' or '_'`);
    }
    if (seen.has(customer)) problems.push(`user '${customer}' is listed twice`);
    seen.add(customer);
    if (sshPublicKeys.length === 0) problems.push(`user '${customer}' needs at least one SSH public key`);
    sshPublicKeys.forEach((key, index) => {
      if (!SSH_PUBLIC_KEY.test(key.trim())) {
        problems.push(`user '${customer}': SSH key ${index} is not an OpenSSH ed25519, RSA or ECDSA public key`);
      }
    });
  }
  if (problems.length > 0) throw new Error(`SftpIngress '${props.namePrefix}':\n  ${problems.join('\n  ')}`);
}
