/** Lambda functions: logs that expire and traces that follow a transfer across services. */
import { compliantIf, Compliance, type PolicyRule } from '../rule';
import { block, isSet, refersTo, type StackResource } from '../stack-view';
import { hasRetention } from './logs';

const DEFAULT_LOG_GROUP_PREFIX = '/aws/lambda/';

/**
 * FF-LAMBDA-1: a log group with retention. Without one in the stack, Lambda creates
 * `/aws/lambda/<name>` on first invoke with no retention and outside Terraform's reach.
 */
export const LAMBDA_LOG_GROUP: PolicyRule = {
  id: 'FF-LAMBDA-1',
  description:
    'Lambda function needs an aws_cloudwatch_log_group with retention_in_days, named /aws/lambda/<function_name> or set as logging_config.log_group',
  evaluate: (fn, stack) =>
    onFunction(fn, () => {
      const customGroup = block(fn.config, 'logging_config')?.log_group;
      if (isSet(customGroup)) {
        const groups = stack.referencedBy(customGroup, 'aws_cloudwatch_log_group');
        // A group owned by another stack is checked there (FF-LOGS-1).
        return groups.length === 0 ? Compliance.NOT_APPLICABLE : compliantIf(groups.some(hasRetention));
      }
      const defaultGroups = stack.ofType('aws_cloudwatch_log_group').filter(({ config }) => {
        const name = config.name;
        return (
          typeof name === 'string' &&
          name.startsWith(DEFAULT_LOG_GROUP_PREFIX) &&
          refersTo(name.slice(DEFAULT_LOG_GROUP_PREFIX.length), fn)
        );
      });
      return compliantIf(defaultGroups.some(hasRetention));
    }),
};

/** FF-LAMBDA-2: active X-Ray tracing. */
export const LAMBDA_TRACING: PolicyRule = {
  id: 'FF-LAMBDA-2',
  description: 'Lambda function needs tracing_config { mode = "Active" }',
  evaluate: (fn) => onFunction(fn, () => compliantIf(block(fn.config, 'tracing_config')?.mode === 'Active')),
};

/** Oldest Node.js major whose Lambda runtime still takes new functions (nodejs20.x: refused since 31 August 2026). */
const OLDEST_SUPPORTED_NODE_MAJOR = 22;

/**
 * FF-LAMBDA-3: a Node.js runtime Lambda still supports. On a deprecated one a fresh account
 * cannot create the function at all, and an existing one stops getting security patches.
 */
export const LAMBDA_SUPPORTED_RUNTIME: PolicyRule = {
  id: 'FF-LAMBDA-3',
  description: `Lambda function needs a supported Node.js runtime: nodejs${OLDEST_SUPPORTED_NODE_MAJOR}.x or newer`,
  evaluate: (fn) =>
    onFunction(fn, () => {
      const major = /^nodejs(\d+)\.x$/.exec(String(fn.config.runtime ?? ''))?.[1];
      // Container images and other languages are not this pack's business.
      return major === undefined
        ? Compliance.NOT_APPLICABLE
        : compliantIf(Number(major) >= OLDEST_SUPPORTED_NODE_MAJOR);
    }),
};

function onFunction(resource: StackResource, evaluate: () => Compliance): Compliance {
  return resource.mode === 'managed' && resource.type === 'aws_lambda_function'
    ? evaluate()
    : Compliance.NOT_APPLICABLE;
}
