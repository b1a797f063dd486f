/**
 * Pull ingress: an EventBridge Scheduler schedule invokes the `poll-pull-sources`
 * function, which lists every enabled pull workflow's directory on its partner SFTP
 * server, starts one transfer execution per stable file and applies the post-action of
 * delivered files (`functions/core/pull/poller.ts`). Usable alone: give it the tracking
 * tables and the transfer state machine it starts.
 */
import type { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import type { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { SchedulerSchedule } from '@cdktf/provider-aws/lib/scheduler-schedule';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import type { PolicyStatement } from '../asl/iam';
import { PULL_SOURCES_VARIABLE, TRANSFER_STATE_MACHINE_VARIABLE } from '../functions/core/pull/environment';
import type { PullSourceEndpointInput } from '../functions/core/pull/sources';
import { IDENTIFIER_PATTERN } from '../functions/core/tracking/keys';
import { functionErrorsAlarm } from './alarm-topic';
import { BundledFunction } from './bundled-function';
import { createServiceRole } from './service-role';
import type { TrackingTables } from './tracking-tables';

/** One partner SFTP server pull workflows name by `source.endpointRef`; its key lives in Secrets Manager. */
export interface PullSourceServer {
  readonly host: string;
  /** @default 22 */
  readonly port?: number;
  readonly username: string;
  /** Exact ARN of the secret holding the account's private key (OpenSSH or PKCS#1 PEM). */
  readonly privateKeySecretArn: string;
  /** The server's host key, `SHA256:…` as `ssh-keygen -lf` prints it: the poller refuses any other. */
  readonly hostKeyFingerprint: string;
  /** Directory workflows' `sourcePrefix` is relative to. @default '/' */
  readonly baseDir?: string;
}

/** Props of {@link PullPoller}. */
export interface PullPollerProps {
  /** Prefix of the function, role, schedule and alarm names. */
  readonly namePrefix: string;
  readonly logRetentionDays: number;
  /** SNS topic the Errors alarm notifies. */
  readonly alarmTopicArn: string;
  /** The tracking tables: workflow definitions are read, poller looks written. */
  readonly tables: TrackingTables;
  /** The transfer state machine; the poller may start executions of it and of nothing else. */
  readonly stateMachineArn: string;
  /** Partner servers by `endpointRef`; at least one. */
  readonly sources: Readonly<Record<string, PullSourceServer>>;
  /**
   * When the poller runs, as an EventBridge Scheduler expression. A file starts after two
   * identical looks, so it waits one to two intervals.
   * @default 'rate(1 minute)'
   */
  readonly scheduleExpression?: string;
}

/** Defaults of {@link PullPollerProps}. */
export const PULL_POLLER_DEFAULTS = { scheduleExpression: 'rate(1 minute)' } as const;

/** A poll lists directories and may move files: a minute is plenty, two leave room for a slow partner. */
const POLLER_FUNCTION = { timeoutSeconds: 120, memorySize: 512 } as const;

/** The pull poller: function, schedule, scheduler role and Errors alarm. */
export class PullPoller extends Construct {
  /** The `poll-pull-sources` function (the harness may invoke it to hurry a pull flow). */
  public readonly function: BundledFunction;
  /** The schedule that invokes it. */
  public readonly schedule: SchedulerSchedule;
  /** The role the scheduler assumes: it may invoke the poller function and nothing else. */
  public readonly schedulerRole: IamRole;
  /** Errors of the poller function. */
  public readonly errorsAlarm: CloudwatchMetricAlarm;

  constructor(scope: Construct, id: string, props: PullPollerProps) {
    super(scope, id);
    checkPullPollerProps(props);
    const prefix = props.namePrefix;
    const servers = Object.values(props.sources);

    this.function = new BundledFunction(this, 'poll-pull-sources', {
      functionName: `${prefix}-poll-pull-sources`,
      entry: 'handlers/poll-pull-sources.ts',
      logRetentionDays: props.logRetentionDays,
      environment: {
        ...props.tables.environment,
        [TRANSFER_STATE_MACHINE_VARIABLE]: props.stateMachineArn,
        [PULL_SOURCES_VARIABLE]: JSON.stringify(pullSourcesVariable(props.sources)),
      },
      permissions: [
        ...props.tables.policyStatements('read', ['workflowDefinition']),
        ...props.tables.policyStatements('readWrite', ['fileTransferStatus']),
        { actions: ['states:StartExecution'], resources: [props.stateMachineArn] },
        {
          actions: ['secretsmanager:GetSecretValue'],
          resources: [...new Set(servers.map((server) => server.privateKeySecretArn))],
        },
      ],
      ...POLLER_FUNCTION,
    });

    const scheduling = new Construct(this, 'scheduler');
    const invoke: PolicyStatement = { actions: ['lambda:InvokeFunction'], resources: [this.function.function.arn] };
    this.schedulerRole = createServiceRole(scheduling, {
      name: `${prefix}-pull-poller-scheduler`,
      service: 'scheduler.amazonaws.com',
      statements: [invoke],
    });
    this.schedule = new SchedulerSchedule(this, 'schedule', {
      name: `${prefix}-pull-poller`,
      description: `Looks at the pull sources of ${prefix} for stable files`,
      scheduleExpression: props.scheduleExpression ?? PULL_POLLER_DEFAULTS.scheduleExpression,
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: this.function.function.arn,
        roleArn: this.schedulerRole.arn,
        input: '{}',
        // A missed poll is made up by the next one: retrying an old one only piles up.
        retryPolicy: { maximumRetryAttempts: 0 },
      },
    });

    this.errorsAlarm = functionErrorsAlarm(this, 'errors-alarm', {
      alarmName: `${prefix}-poll-pull-sources-errors`,
      alarmDescription: 'The pull poller failed: a pull source could not be listed, started or cleaned up; see its log',
      functionName: this.function.function.functionName,
      alarmTopicArn: props.alarmTopicArn,
    });
  }
}

/** The `FILEFLOW_PULL_SOURCES` value: what `pullSourcesFromEnvironment` parses. */
function pullSourcesVariable(sources: PullPollerProps['sources']): Record<string, PullSourceEndpointInput> {
  return Object.fromEntries(
    Object.entries(sources).map(([ref, server]) => [
      ref,
      {
        host: server.host,
        port: server.port ?? 22,
        username: server.username,
        privateKey: { secretArn: server.privateKeySecretArn },
        hostKeyFingerprint: server.hostKeyFingerprint,
        baseDir: server.baseDir ?? '/',
      },
    ]),
  );
}

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
const SCHEDULE = /^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/;

/** Every problem with the props at once; throws before any resource exists. */
function checkPullPollerProps(props: PullPollerProps): void {
  const problems = pullIngressProblems(props);
  if (problems.length > 0) throw new Error(`PullPoller '${props.namePrefix}':\n  ${problems.join('\n  ')}`);
}

/** What is wrong with the pull servers and the schedule (also checked by `TransferPipeline` with its own props). */
export function pullIngressProblems(props: Pick<PullPollerProps, 'sources' | 'scheduleExpression'>): string[] {
  const problems: string[] = [];
  const refs = Object.keys(props.sources);
  if (refs.length === 0) problems.push('sources: name at least one pull server');
  for (const [ref, server] of Object.entries(props.sources)) {
    if (!IDENTIFIER_PATTERN.test(ref)) problems.push(`sources: '${ref}' is not an endpointRef workflows can name`);
    if (!Token.isUnresolved(server.privateKeySecretArn) && !SECRET_ARN.test(server.privateKeySecretArn)) {
      problems.push(`sources.${ref}.privateKeySecretArn: '${server.privateKeySecretArn}' is not an exact secret ARN`);
    }
    if (!FINGERPRINT.test(server.hostKeyFingerprint)) {
      problems.push(`sources.${ref}.hostKeyFingerprint must be an OpenSSH SHA256:… fingerprint`);
    }
    if (server.port !== undefined && (!Number.isInteger(server.port) || server.port < 1 || server.port > 65535)) {
      problems.push(`sources.${ref}.port ${server.port} is not a TCP port`);
    }
    if (server.baseDir !== undefined && !server.baseDir.startsWith('/')) {
      problems.push(`sources.${ref}.baseDir must be absolute`);
    }
  }
  if (props.scheduleExpression !== undefined && !SCHEDULE.test(props.scheduleExpression)) {
    problems.push(`scheduleExpression '${props.scheduleExpression}' must be rate(N unit) or cron(…)`);
  }
  return problems;
}
