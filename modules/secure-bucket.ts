/**
 * An S3 bucket that is private, encrypted, versioned and reachable only over TLS, with one
 * bucket policy that other constructs add statements to; or the same fields for a bucket
 * that already exists.
 */
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import {
  S3BucketLifecycleConfiguration,
  type S3BucketLifecycleConfigurationRule,
  type S3BucketLifecycleConfigurationRuleFilter,
} from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketNotification } from '@cdktf/provider-aws/lib/s3-bucket-notification';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import {
  S3BucketServerSideEncryptionConfigurationA,
  type S3BucketServerSideEncryptionConfigurationRuleA,
} from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { Lazy } from 'cdktf';
import { Construct } from 'constructs';
import { namePrefixProblems } from './name-prefix';

/** A bucket as other constructs need it: its name, its ARN and the key its objects are encrypted with. */
export interface BucketReference {
  /** Bucket name. */
  readonly bucketName: string;
  /** Bucket ARN, `arn:<partition>:s3:::<name>`. */
  readonly bucketArn: string;
  /**
   * KMS key that encrypts the bucket's objects; readers and writers need it too.
   * @default SSE-S3 (no key permissions needed)
   */
  readonly kmsKeyArn?: string;
}

/** One statement of a bucket policy, in IAM JSON form. */
export interface BucketPolicyStatement {
  /** Unique within the bucket policy; adding a second statement with the same Sid throws. */
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal:
    '*' | { readonly AWS?: string | readonly string[]; readonly Service?: string | readonly string[] };
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | boolean | readonly string[]>>>>;
}

/** What {@link SecureBucket.addToPolicy} did. */
export interface AddToPolicyResult {
  /** False for an existing bucket: its policy belongs to whoever created it. */
  readonly statementAdded: boolean;
}

/** Objects that expire a number of days after creation; selected by key prefix, tags, or both. */
export interface ExpiryRule {
  /** Rule id, unique within the bucket. */
  readonly id: string;
  /**
   * Key prefix the rule applies to.
   * @default every key
   */
  readonly prefix?: string;
  /**
   * Object tags that must all match.
   * @default no tag condition
   */
  readonly tags?: Readonly<Record<string, string>>;
  /** Days after creation when the current version expires (becomes a noncurrent version). */
  readonly expirationDays: number;
}

/** Props of {@link SecureBucket}. */
export interface SecureBucketProps {
  /** Prefix of every physical name; Terraform appends a unique suffix for the bucket name. */
  readonly namePrefix: string;
  /**
   * A bucket that already exists: nothing is created and the construct only exposes its
   * fields. Cannot be combined with any bucket-creation option.
   * @default a new bucket
   */
  readonly existingBucket?: BucketReference;
  /**
   * Exact bucket name instead of one generated from `namePrefix`.
   * @default `<namePrefix>-<unique suffix>`
   */
  readonly bucketName?: string;
  /**
   * KMS key for default encryption (SSE-KMS with an S3 bucket key, which cuts KMS requests).
   * @default SSE-S3 (AES256)
   */
  readonly kmsKeyArn?: string;
  /**
   * Expiry of objects by prefix and/or tags.
   * @default none: objects are kept
   */
  readonly expiryRules?: readonly ExpiryRule[];
  /**
   * Days after which an unfinished multipart upload is aborted and its parts deleted.
   * @default 7
   */
  readonly abortIncompleteMultipartUploadDays?: number;
  /**
   * Days a noncurrent (overwritten or deleted) version is kept.
   * @default forever
   */
  readonly noncurrentVersionExpirationDays?: number;
  /**
   * Send every object event to EventBridge (`aws_s3_bucket_notification` with `eventbridge = true`).
   * @default false
   */
  readonly eventBridgeNotifications?: boolean;
}

/** Default days before an unfinished multipart upload is aborted. */
export const DEFAULT_ABORT_INCOMPLETE_UPLOAD_DAYS = 7;

/** A private, encrypted, versioned, TLS-only S3 bucket, or an existing one behind the same fields. */
export class SecureBucket extends Construct implements BucketReference {
  /** Bucket name (a token for a created bucket). */
  public readonly bucketName: string;
  /** Bucket ARN. */
  public readonly bucketArn: string;
  /** KMS key encrypting the objects, when there is one. */
  public readonly kmsKeyArn?: string;
  /** The created bucket; undefined for an existing bucket. */
  public readonly bucket?: S3Bucket;
  /** The bucket's only policy: TLS-only statements plus everything {@link addToPolicy} adds. */
  public readonly policy?: S3BucketPolicy;
  /** All four public-access switches on. */
  public readonly publicAccessBlock?: S3BucketPublicAccessBlock;
  /** Default encryption. */
  public readonly encryption?: S3BucketServerSideEncryptionConfigurationA;
  /** Versioning, enabled. */
  public readonly versioning?: S3BucketVersioningA;
  /** BucketOwnerEnforced: ACLs are off, the bucket owner owns every object. */
  public readonly ownershipControls?: S3BucketOwnershipControls;
  /** Multipart clean-up, noncurrent-version and expiry rules. */
  public readonly lifecycle?: S3BucketLifecycleConfiguration;
  /** EventBridge notifications, when asked for. */
  public readonly notification?: S3BucketNotification;

  private readonly statements: BucketPolicyStatement[] = [];

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    checkSecureBucketProps(props);

    if (props.existingBucket) {
      this.bucketName = props.existingBucket.bucketName;
      this.bucketArn = props.existingBucket.bucketArn;
      this.kmsKeyArn = props.existingBucket.kmsKeyArn;
      return;
    }

    const bucket = new S3Bucket(this, 'bucket', {
      bucket: props.bucketName,
      bucketPrefix: props.bucketName === undefined ? `${props.namePrefix}-` : undefined,
    });
    this.bucket = bucket;
    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.kmsKeyArn = props.kmsKeyArn;

    this.publicAccessBlock = new S3BucketPublicAccessBlock(this, 'public-access-block', {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    this.encryption = new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket: bucket.id,
      rule: [defaultEncryptionRule(props.kmsKeyArn)],
    });
    this.versioning = new S3BucketVersioningA(this, 'versioning', {
      bucket: bucket.id,
      versioningConfiguration: { status: 'Enabled' },
    });
    this.ownershipControls = new S3BucketOwnershipControls(this, 'ownership', {
      bucket: bucket.id,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    this.lifecycle = new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: bucket.id,
      rule: lifecycleRules(props),
      // Noncurrent-version rules only take effect once versioning is on.
      dependsOn: [this.versioning],
    });
    if (props.eventBridgeNotifications) {
      this.notification = new S3BucketNotification(this, 'notification', { bucket: bucket.id, eventbridge: true });
    }

    this.statements.push(...tlsOnlyStatements(bucket.arn));
    this.policy = new S3BucketPolicy(this, 'policy', {
      bucket: bucket.id,
      // Rendered at synth so statements added after construction land in the one policy S3 allows.
      policy: Lazy.stringValue({ produce: () => renderPolicy(this.statements) }),
      // With BlockPublicPolicy being applied concurrently S3 may reject the PutBucketPolicy.
      dependsOn: [this.publicAccessBlock],
    });
  }

  /**
   * Adds a statement to the bucket policy. For an existing bucket nothing is added (its
   * policy is not ours to replace) and the result says so.
   */
  addToPolicy(statement: BucketPolicyStatement): AddToPolicyResult {
    if (!this.policy) return { statementAdded: false };
    if (this.statements.some((s) => s.Sid === statement.Sid)) {
      throw new Error(
        `SecureBucket '${this.node.path}': a statement with Sid '${statement.Sid}' is already in the policy`,
      );
    }
    this.statements.push(statement);
    return { statementAdded: true };
  }
}

/** Default encryption: SSE-KMS with a bucket key when a key is given, else SSE-S3. */
export function defaultEncryptionRule(kmsKeyArn: string | undefined): S3BucketServerSideEncryptionConfigurationRuleA {
  return kmsKeyArn === undefined
    ? { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }
    : {
        applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: kmsKeyArn },
        bucketKeyEnabled: true,
      };
}

/** Statements that refuse plain-HTTP requests and TLS older than 1.2, on the bucket and its objects. */
export function tlsOnlyStatements(bucketArn: string): BucketPolicyStatement[] {
  const everything = {
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: [bucketArn, `${bucketArn}/*`],
  } as const;
  return [
    { Sid: 'DenyInsecureTransport', ...everything, Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
    { Sid: 'DenyOutdatedTls', ...everything, Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } } },
  ];
}

/** The lifecycle rules of a created bucket: multipart clean-up (and noncurrent expiry) first, then expiry rules. */
export function lifecycleRules(props: SecureBucketProps): S3BucketLifecycleConfigurationRule[] {
  const housekeeping: S3BucketLifecycleConfigurationRule = {
    id: 'housekeeping',
    status: 'Enabled',
    filter: [{}],
    abortIncompleteMultipartUpload: [
      { daysAfterInitiation: props.abortIncompleteMultipartUploadDays ?? DEFAULT_ABORT_INCOMPLETE_UPLOAD_DAYS },
    ],
    ...(props.noncurrentVersionExpirationDays === undefined
      ? {}
      : { noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionExpirationDays }] }),
  };
  const expiries = (props.expiryRules ?? []).map((rule): S3BucketLifecycleConfigurationRule => ({
    id: rule.id,
    status: 'Enabled',
    filter: [expiryFilter(rule)],
    expiration: [{ days: rule.expirationDays }],
  }));
  return [housekeeping, ...expiries];
}

function expiryFilter(rule: ExpiryRule): S3BucketLifecycleConfigurationRuleFilter {
  const tags = Object.entries(rule.tags ?? {});
  if (tags.length === 0) return rule.prefix === undefined ? {} : { prefix: rule.prefix };
  // S3 takes a single tag on its own, but a prefix with tags or several tags only inside `and`.
  if (tags.length === 1 && rule.prefix === undefined) return { tag: [{ key: tags[0][0], value: tags[0][1] }] };
  return { and: [{ prefix: rule.prefix, tags: { ...rule.tags } }] };
}

function renderPolicy(statements: readonly BucketPolicyStatement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** Every problem with the props at once; throws before any resource exists. */
function checkSecureBucketProps(props: SecureBucketProps): void {
  const problems: string[] = [];
  problems.push(...namePrefixProblems(props.namePrefix, { max: 36, first: 'letter or digit' }));
  if (props.existingBucket) {
    const creationOptions = [
      'bucketName',
      'kmsKeyArn',
      'expiryRules',
      'abortIncompleteMultipartUploadDays',
      'noncurrentVersionExpirationDays',
      'eventBridgeNotifications',
    ] as const;
    for (const option of creationOptions) {
      if (props[option] !== undefined) problems.push(`existingBucket cannot be combined with ${option}`);
    }
  }
  if (props.bucketName !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(props.bucketName)) {
    problems.push(`bucketName '${props.bucketName}' is not a valid S3 bucket name`);
  }
  for (const [name, days] of [
    ['abortIncompleteMultipartUploadDays', props.abortIncompleteMultipartUploadDays],
    ['noncurrentVersionExpirationDays', props.noncurrentVersionExpirationDays],
  ] as const) {
    if (days !== undefined && !isPositiveInteger(days))
      problems.push(`${name} ${days} must be a whole number of days ≥ 1`);
  }
  const ids = new Set<string>(['housekeeping']);
  for (const rule of props.expiryRules ?? []) {
    if (ids.has(rule.id))
      problems.push(`expiry rule id '${rule.id}' is used twice (or is the reserved 'housekeeping')`);
    ids.add(rule.id);
    if (!isPositiveInteger(rule.expirationDays)) {
      problems.push(`expiry rule '${rule.id}': expirationDays ${rule.expirationDays} must be a whole number ≥ 1`);
    }
  }
  if (problems.length > 0) throw new Error(`SecureBucket '${props.namePrefix}':\n  ${problems.join('\n  ')}`);
}

function isPositiveInteger(value: number): boolean {
  return Number.isInteger(value) && value >= 1;
}
