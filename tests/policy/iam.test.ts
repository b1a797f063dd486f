import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { expect } from 'chai';
import { Fn, type TerraformStack } from 'cdktf';
import { Compliance } from '../../modules/policy';
import { IAM_NO_WILDCARD_DATA_ACCESS } from '../../modules/policy/rules/iam';
import { newStack, removeTestOutput, verdict } from './harness';

const ASSUME_LAMBDA = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

function policyWith(stack: TerraformStack, statement: Record<string, unknown>): IamPolicy {
  return new IamPolicy(stack, 'policy', {
    policy: Fn.jsonencode({ Version: '2012-10-17', Statement: [statement] }),
  });
}

describe('policy pack: FF-IAM-1 no wildcard resource on data-plane actions', () => {
  after(removeTestOutput);

  it('GIVEN s3:GetObject on the bucket ARN (jsonencode) THEN the policy is COMPLIANT', () => {
    const stack = newStack();
    const bucket = new S3Bucket(stack, 'uploads', {});
    const policy = policyWith(stack, { Effect: 'Allow', Action: ['s3:GetObject'], Resource: `${bucket.arn}/*` });
    expect(verdict(IAM_NO_WILDCARD_DATA_ACCESS, policy)).to.equal(Compliance.COMPLIANT);
  });

  it('GIVEN s3:GetObject on Resource "*" (jsonencode) THEN the policy is NON_COMPLIANT', () => {
    const policy = policyWith(newStack(), { Effect: 'Allow', Action: ['s3:GetObject'], Resource: '*' });
    expect(verdict(IAM_NO_WILDCARD_DATA_ACCESS, policy)).to.equal(Compliance.NON_COMPLIANT);
  });

  it('GIVEN a wildcard action (sqs:Send*) on "*" in a literal JSON policy THEN it is NON_COMPLIANT', () => {
    const policy = new IamPolicy(newStack(), 'policy', {
      policy: JSON.stringify({ Statement: { Effect: 'Allow', Action: 'sqs:Send*', Resource: ['*'] } }),
    });
    expect(verdict(IAM_NO_WILDCARD_DATA_ACCESS, policy)).to.equal(Compliance.NON_COMPLIANT);
  });

  it('GIVEN account-level or other-service actions on "*" (kms:CreateKey, logs:PutLogEvents, xray:PutTraceSegments) THEN it is COMPLIANT', () => {
    const policy = policyWith(newStack(), {
      Effect: 'Allow',
      Action: ['kms:CreateKey', 's3:ListAllMyBuckets', 'logs:PutLogEvents', 'xray:PutTraceSegments'],
      Resource: '*',
    });
    expect(verdict(IAM_NO_WILDCARD_DATA_ACCESS, policy)).to.equal(Compliance.COMPLIANT);
  });

  it('GIVEN a Deny of s3:* on "*" THEN it is COMPLIANT', () => {
    const policy = policyWith(newStack(), { Effect: 'Deny', Action: 's3:*', Resource: '*' });
    expect(verdict(IAM_NO_WILDCARD_DATA_ACCESS, policy)).to.equal(Compliance.COMPLIANT);
  });

  it('GIVEN an Allow with NotAction iam:* on "*" (grants everything else) THEN it is NON_COMPLIANT', () => {
    const policy = policyWith(newStack(), { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' });
    expect(verdict(IAM_NO_WILDCARD_DATA_ACCESS, policy)).to.equal(Compliance.NON_COMPLIANT);
  });

  it('GIVEN a role inline_policy with dynamodb:PutItem on "*" THEN the role is NON_COMPLIANT', () => {
    const role = new IamRole(newStack(), 'role', {
      assumeRolePolicy: ASSUME_LAMBDA,
      inlinePolicy: [
        {
          name: 'ledger',
          policy: Fn.jsonencode({ Statement: [{ Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: '*' }] }),
        },
      ],
    });
    expect(verdict(IAM_NO_WILDCARD_DATA_ACCESS, role)).to.equal(Compliance.NON_COMPLIANT);
  });

  it('GIVEN a role without inline policies THEN the role is COMPLIANT', () => {
    const role = new IamRole(newStack(), 'role', { assumeRolePolicy: ASSUME_LAMBDA });
    expect(verdict(IAM_NO_WILDCARD_DATA_ACCESS, role)).to.equal(Compliance.COMPLIANT);
  });

  it('GIVEN a policy document granting secretsmanager:GetSecretValue on "*" THEN the document is NON_COMPLIANT AND the role policy using it is NOT_APPLICABLE (reported once, at the document)', () => {
    const stack = newStack();
    const document = new DataAwsIamPolicyDocument(stack, 'read-secrets', {
      statement: [{ actions: ['secretsmanager:GetSecretValue'], resources: ['*'] }],
    });
    const rolePolicy = new IamRolePolicy(stack, 'role-policy', { role: 'copy', policy: document.json });
    expect(verdict(IAM_NO_WILDCARD_DATA_ACCESS, document)).to.equal(Compliance.NON_COMPLIANT);
    expect(verdict(IAM_NO_WILDCARD_DATA_ACCESS, rolePolicy)).to.equal(Compliance.NOT_APPLICABLE);
  });

  it('GIVEN a policy document scoped to a queue ARN THEN the document is COMPLIANT', () => {
    const document = new DataAwsIamPolicyDocument(newStack(), 'send', {
      statement: [{ actions: ['sqs:SendMessage'], resources: ['arn:aws:sqs:eu-west-1:111122223333:transfers'] }],
    });
    expect(verdict(IAM_NO_WILDCARD_DATA_ACCESS, document)).to.equal(Compliance.COMPLIANT);
  });

  it('GIVEN a policy that cannot be read at synth time (a file) THEN it is NON_COMPLIANT until suppressed with a reason', () => {
    const policy = new IamPolicy(newStack(), 'policy', { policy: Fn.file('policy.json') });
    expect(verdict(IAM_NO_WILDCARD_DATA_ACCESS, policy)).to.equal(Compliance.NON_COMPLIANT);
  });
});
