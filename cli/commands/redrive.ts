/**
 * `fileflow redrive <customer>/<file>`: send a failed file through its
 * workflow again. The open failure is resolved as `REDRIVEN` (releasing the
 * claim of the failed version), then a new execution starts:
 * - a file read from S3: on AWS, StartExecution on the transfer state machine
 *   (`--state-machine-arn` or `$FILEFLOW_TRANSFER_STATE_MACHINE_ARN`) with
 *   `{ redrive: { fileId, failedAt } }`; with `--local`, the execution runs in
 *   this process on the local runtime's servers, and the command waits for its end;
 * - a pulled file (SFTP source): on AWS and locally alike, the poller's look at
 *   the failed version is re-armed (`functions/core/pull/redrive.ts`), so the
 *   pipeline's poller starts it again on its next poll and applies the workflow's
 *   post-action once every target has it; `--local` waits for that outcome.
 */
import { userInfo } from 'node:os';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import { redriveOnAws } from '../../functions/core/pipeline/redrive';
import { isPulledFailure } from '../../functions/core/pull/redrive';
import { parseFileId } from '../../functions/core/tracking/keys';
import { FailureNotFoundError } from '../../functions/core/tracking/repository';
import {
  action,
  openTrackingTarget,
  printResult,
  UsageError,
  withTrackingTargetOptions,
  type TrackingTargetOptions,
} from '../runtime/cli-support';
import { redriveLocally } from '../runtime/local-redrive';

/** Environment variable naming the transfer state machine for AWS re-drives. */
const STATE_MACHINE_ARN_VARIABLE = 'FILEFLOW_TRANSFER_STATE_MACHINE_ARN';

interface RedriveOptions extends TrackingTargetOptions {
  readonly stateMachineArn?: string;
}

/** Registers `redrive`. */
export function register(program: Command): void {
  withTrackingTargetOptions(
    program
      .command('redrive')
      .description('Resolve a failed file as REDRIVEN and send it through its workflow again')
      .argument('<file-id>', '<customer>/<file name>, as `fileflow status --failed` prints it')
      .option('--state-machine-arn <arn>', `AWS: the transfer state machine (default $${STATE_MACHINE_ARN_VARIABLE})`),
  ).action(
    action(async (fileId: string, options: RedriveOptions) => {
      const file = parseFileId(fileId);
      const stateMachineArn = options.stateMachineArn ?? process.env[STATE_MACHINE_ARN_VARIABLE];
      const target = await openTrackingTarget(options);
      try {
        const failure = await target.repository.getFailure(file);
        if (!failure) throw new FailureNotFoundError(file);
        if (failure.resolution?.outcome === 'DISMISSED') {
          throw new UsageError(
            `the failure of ${fileId} was dismissed by ${failure.resolution.resolvedBy}; nothing to re-drive`,
          );
        }
        const pulled = isPulledFailure(failure);
        if (!target.endpoints && !pulled && !stateMachineArn) {
          throw new UsageError(
            `name the transfer state machine with --state-machine-arn or $${STATE_MACHINE_ARN_VARIABLE}, or use --local`,
          );
        }
        const { failure: resolved } = await target.repository.resolveFailure(file, {
          outcome: 'REDRIVEN',
          resolvedBy: `${userInfo().username} (fileflow redrive)`,
        });
        if (target.endpoints) {
          const result = await redriveLocally(target.endpoints, resolved);
          const row = {
            file: fileId,
            workflow: resolved.workflowId,
            execution: result.execution,
            status: result.status,
            error: result.error ?? '',
          };
          printResult(options.json, { ...row, output: result.output }, [row]);
          if (result.status !== 'SUCCEEDED') process.exitCode = 1;
          return;
        }
        const sfn = new SFNClient({});
        try {
          const redrive = await redriveOnAws(target.repository, resolved, async (input) => {
            const started = await sfn.send(
              new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
            );
            return started.executionArn ?? '';
          });
          const row = {
            file: fileId,
            workflow: resolved.workflowId,
            execution:
              redrive.kind === 'started'
                ? redrive.executionArn
                : redrive.handedBack === 'rearmed'
                  ? 'on the next poll'
                  : 'after two looks',
            status: redrive.kind === 'started' ? 'STARTED' : 'REQUEUED',
            error: '',
          };
          printResult(options.json, row, [row]);
        } finally {
          sfn.destroy();
        }
      } finally {
        target.close();
      }
    }),
  );
}
