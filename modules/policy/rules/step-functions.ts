/** Step Functions state machines: every execution leaves logs that expire, and a trace. */
import { compliantIf, Compliance, type PolicyRule } from '../rule';
import { block, isSet, isTrue, type StackResource } from '../stack-view';
import { hasRetention } from './logs';

const LOGGING_LEVELS = ['ALL', 'ERROR', 'FATAL'];

/** FF-SFN-1: execution logging to a log group with retention. */
export const STATE_MACHINE_LOGGING: PolicyRule = {
  id: 'FF-SFN-1',
  description:
    'State machine needs logging_configuration with level ALL, ERROR or FATAL and log_destination an aws_cloudwatch_log_group (arn + ":*") with retention_in_days',
  evaluate: (machine, stack) =>
    onStateMachine(machine, () => {
      const logging = block(machine.config, 'logging_configuration');
      if (!logging || !LOGGING_LEVELS.includes(String(logging.level)) || !isSet(logging.log_destination)) {
        return Compliance.NON_COMPLIANT;
      }
      const groups = stack.referencedBy(logging.log_destination, 'aws_cloudwatch_log_group');
      // A destination owned by another stack has its retention checked there (FF-LOGS-1).
      return groups.length === 0 ? Compliance.COMPLIANT : compliantIf(groups.some(hasRetention));
    }),
};

/** FF-SFN-2: X-Ray tracing. */
export const STATE_MACHINE_TRACING: PolicyRule = {
  id: 'FF-SFN-2',
  description: 'State machine needs tracing_configuration { enabled = true }',
  evaluate: (machine) =>
    onStateMachine(machine, () => compliantIf(isTrue(block(machine.config, 'tracing_configuration')?.enabled))),
};

function onStateMachine(resource: StackResource, evaluate: () => Compliance): Compliance {
  return resource.mode === 'managed' && resource.type === 'aws_sfn_state_machine'
    ? evaluate()
    : Compliance.NOT_APPLICABLE;
}
