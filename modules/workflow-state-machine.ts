/**
 * A Step Functions state machine from a definition built with `asl/`: its execution role
 * is derived from the IAM the definition's Tasks declare, nothing more.
 */
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import type { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import { Construct } from 'constructs';
import type { StateMachineDefinition } from '../asl';
import { createServiceRole } from './service-role';

/** Props of {@link WorkflowStateMachine}. */
export interface WorkflowStateMachineProps {
  /** Physical name of the state machine, its role and its log group. At most 64 characters. */
  readonly name: string;
  /** The rendered workflow. */
  readonly definition: StateMachineDefinition;
  /** Days CloudWatch keeps the execution history log. */
  readonly logRetentionDays: number;
  /**
   * Log execution input and output too. Only pointers and small metadata travel between
   * fileflow states, but file names may still be confidential, so this is opt-in.
   * @default false
   */
  readonly logExecutionData?: boolean;
  /**
   * KMS key ARN for the log group.
   * @default AWS-managed encryption
   */
  readonly kmsKeyArn?: string;
}

/**
 * A **Standard** state machine (Express workflows stop after five minutes, too short for
 * waits with back-off plus copies) with X-Ray tracing and full logging to its own log group.
 */
export class WorkflowStateMachine extends Construct {
  /** The state machine; pipes and schedules start executions of its ARN. */
  public readonly stateMachine: SfnStateMachine;
  /** Its execution role. */
  public readonly role: IamRole;
  /** Its log group. */
  public readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: WorkflowStateMachineProps) {
    super(scope, id);
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(props.name)) {
      throw new Error(`WorkflowStateMachine '${props.name}': name must be 1–64 letters, digits, '-' or '_'`);
    }

    this.logGroup = new CloudwatchLogGroup(this, 'logs', {
      name: `/aws/vendedlogs/states/${props.name}`,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.kmsKeyArn,
    });
    this.role = createServiceRole(this, {
      name: props.name,
      service: 'states.amazonaws.com',
      statements: [
        ...props.definition.policyStatements(),
        // Log delivery and X-Ray have no resource-level permissions: '*' is the only valid resource.
        {
          actions: [
            'logs:CreateLogDelivery',
            'logs:GetLogDelivery',
            'logs:UpdateLogDelivery',
            'logs:DeleteLogDelivery',
            'logs:ListLogDeliveries',
            'logs:PutResourcePolicy',
            'logs:DescribeResourcePolicies',
            'logs:DescribeLogGroups',
          ],
          resources: ['*'],
        },
        {
          actions: [
            'xray:PutTraceSegments',
            'xray:PutTelemetryRecords',
            'xray:GetSamplingRules',
            'xray:GetSamplingTargets',
          ],
          resources: ['*'],
        },
      ],
    });

    this.stateMachine = new SfnStateMachine(this, 'state-machine', {
      name: props.name,
      type: 'STANDARD',
      roleArn: this.role.arn,
      definition: props.definition.toJson(),
      loggingConfiguration: {
        level: 'ALL',
        includeExecutionData: props.logExecutionData ?? false,
        logDestination: `${this.logGroup.arn}:*`,
      },
      tracingConfiguration: { enabled: true },
    });
  }
}
