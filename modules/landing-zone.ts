/**
 * The landing zone: the S3 bucket every inbound file lands in before a workflow moves it
 * on, and the KMS key that encrypts it (and, if the pipeline wants, its queues, topics and
 * tables).
 *
 * Key convention, one folder pair per customer:
 * - `from-sftp/<customer>/…` — written by the customer through the Transfer Family SFTP
 *   server; the customer's SFTP root (`/`) is exactly this prefix.
 * - `inbound/<customer>/…` — written to S3 directly (a customer's own S3 upload or
 *   replication, or a pull job run on the customer's behalf).
 *
 * A customer id is the folder name: lowercase letters, digits, `-` and `_`, so it is also
 * safe inside IAM role names and policy conditions.
 */
import type { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import type { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { createAccountKey, type KeyAccount } from './account-key';
import { namePrefixProblems } from './name-prefix';
import { SecureBucket } from './secure-bucket';

/** The two landing prefixes of one customer. */
export interface CustomerPrefixes {
  /** `from-sftp/<customer>/`: files the customer uploads over SFTP. */
  readonly fromSftp: string;
  /** `inbound/<customer>/`: files that reach S3 directly. */
  readonly inbound: string;
}

/** A landing bucket created elsewhere (`existingBucketObj` style). */
export interface ExistingLandingBucket {
  /** Bucket name. */
  readonly bucketName: string;
  /** Bucket ARN. */
  readonly bucketArn: string;
}

/** A KMS key created elsewhere. */
export interface ExistingKmsKey {
  /** Key ARN (not an alias: IAM policies need the key's ARN). */
  readonly keyArn: string;
}

/** Props of {@link LandingZone}. */
export interface LandingZoneProps {
  /** Prefix of every physical name (bucket, key alias). */
  readonly namePrefix: string;
  /** Customer ids; each gets the prefixes of {@link landingPrefixes}. */
  readonly customers: readonly string[];
  /**
   * Use this bucket instead of creating one. It must already send its events to EventBridge,
   * and its encryption key, if any, must be given as `existingKmsKey`.
   * @default a new SecureBucket with EventBridge notifications on
   */
  readonly existingBucket?: ExistingLandingBucket;
  /**
   * Use this key instead of creating one. Its key policy must let EventBridge use it if the
   * pipeline's queue is encrypted with it.
   * @default a new key with yearly rotation
   */
  readonly existingKmsKey?: ExistingKmsKey;
  /**
   * Exact name for a created bucket.
   * @default `<namePrefix>-landing-<unique suffix>`
   */
  readonly bucketName?: string;
}

/** The landing bucket, its key, and the per-customer prefix convention. */
export class LandingZone extends Construct {
  /** The landing bucket (created, or the existing one behind the same fields). */
  public readonly bucket: SecureBucket;
  /** The landing zone's KMS key: encrypts a created bucket; offered to the queue, topic and tables. */
  public readonly kmsKeyArn: string;
  /** The created key; undefined when `existingKmsKey` was given. */
  public readonly kmsKey?: KmsKey;
  /** `alias/<namePrefix>-landing` for the created key. */
  public readonly kmsAlias?: KmsAlias;
  /** Customer ids, as given. */
  public readonly customers: readonly string[];
  /** Every customer's `from-sftp/` and `inbound/` prefix: what the transfer queue listens to. */
  public readonly keyPrefixes: readonly string[];

  constructor(scope: Construct, id: string, props: LandingZoneProps) {
    super(scope, id);
    checkLandingZoneProps(props);
    this.customers = [...props.customers];
    this.keyPrefixes = props.customers.flatMap((customer) => {
      const prefixes = landingPrefixes(customer);
      return [prefixes.fromSftp, prefixes.inbound];
    });

    if (props.existingKmsKey) {
      this.kmsKeyArn = props.existingKmsKey.keyArn;
    } else {
      const created = createAccountKey(this, {
        description: `fileflow landing zone ${props.namePrefix}: landed files and the pipeline that moves them`,
        alias: `alias/${props.namePrefix}-landing`,
        moreStatements: landingKeyStatements,
      });
      this.kmsKey = created.key;
      this.kmsAlias = created.alias;
      this.kmsKeyArn = this.kmsKey.arn;
    }

    this.bucket = props.existingBucket
      ? new SecureBucket(this, 'bucket', {
          namePrefix: `${props.namePrefix}-landing`,
          existingBucket: { ...props.existingBucket, kmsKeyArn: props.existingKmsKey?.keyArn },
        })
      : new SecureBucket(this, 'bucket', {
          namePrefix: `${props.namePrefix}-landing`,
          bucketName: props.bucketName,
          kmsKeyArn: this.kmsKeyArn,
          eventBridgeNotifications: true,
        });
  }

  /** The landing prefixes of one customer of this zone. */
  prefixesOf(customer: string): CustomerPrefixes {
    if (!this.customers.includes(customer)) {
      throw new Error(`LandingZone '${this.node.path}': '${customer}' is not one of its customers`);
    }
    return landingPrefixes(customer);
  }
}

/** The landing prefixes of a customer, by the convention in this module's header. */
export function landingPrefixes(customer: string): CustomerPrefixes {
  return { fromSftp: `from-sftp/${customer}/`, inbound: `inbound/${customer}/` };
}

/** Whether a customer id can be a folder name, an IAM role name part and a policy value as is. */
export function isValidCustomerId(customer: string): boolean {
  return /^[a-z0-9][a-z0-9_-]{0,31}$/.test(customer);
}

/**
 * What a created landing key's policy allows beyond the account (accountKeyPolicy): EventBridge,
 * which puts S3 events into a queue encrypted with the key and, as a service principal, can only
 * be allowed in the key policy.
 */
export function landingKeyStatements({ accountId }: KeyAccount): object[] {
  return [
    {
      Sid: 'EventBridgeEncryptsQueuedEventsOfThisAccount',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceAccount': accountId } },
    },
  ];
}

/** Every problem with the props at once; throws before any resource exists. */
function checkLandingZoneProps(props: LandingZoneProps): void {
  const problems: string[] = [];
  if (props.existingBucket && props.bucketName !== undefined) {
    problems.push('existingBucket cannot be combined with bucketName');
  }
  // Checked here, not by the bucket, so that nothing (the key) is created before it fails.
  problems.push(...namePrefixProblems(props.namePrefix, { max: 28, first: 'letter or digit' }));
  const keyArn = props.existingKmsKey?.keyArn;
  if (
    keyArn !== undefined &&
    !Token.isUnresolved(keyArn) &&
    !/^arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(keyArn)
  ) {
    problems.push(`existingKmsKey.keyArn '${keyArn}' must be a key ARN (not an alias or key id)`);
  }
  const seen = new Set<string>();
  for (const customer of props.customers) {
    if (!isValidCustomerId(customer)) {
      problems.push(
        `customer '${customer}' must be 1–32 lowercase letters, digits, '-' or '_', starting with a letter or digit`,
      );
    }
    if (seen.has(customer)) problems.push(`customer '${customer}' is listed twice`);
    seen.add(customer);
  }
  if (problems.length > 0) throw new Error(`LandingZone '${props.namePrefix}':\n  ${problems.join('\n  ')}`);
}
