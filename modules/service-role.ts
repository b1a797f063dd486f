/** The execution role of an AWS service (Lambda, Step Functions, …) with one inline policy. */
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import type { Construct } from 'constructs';
import type { PolicyStatement } from '../asl/iam';

/** What {@link createServiceRole} needs. */
export interface ServiceRoleProps {
  /** Physical role name. */
  readonly name: string;
  /** Service principal allowed to assume the role, e.g. `lambda.amazonaws.com`. */
  readonly service: string;
  /** Everything the role may do, in the order the policy lists it. */
  readonly statements: readonly PolicyStatement[];
}

/**
 * Creates, in `scope`, a role only `service` can assume (construct id `role`) and its inline
 * policy `least-privilege` (construct id `policy`) allowing exactly `statements`.
 */
export function createServiceRole(scope: Construct, props: ServiceRoleProps): IamRole {
  const role = new IamRole(scope, 'role', {
    name: props.name,
    assumeRolePolicy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: props.service }, Action: 'sts:AssumeRole' }],
    }),
  });
  new IamRolePolicy(scope, 'policy', {
    name: 'least-privilege',
    role: role.name,
    policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: props.statements.map((statement) => ({
        Effect: 'Allow',
        Action: [...statement.actions],
        Resource: [...statement.resources],
      })),
    }),
  });
  return role;
}
