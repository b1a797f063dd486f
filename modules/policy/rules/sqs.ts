/**
 * SQS queues: encrypted, and every queue that is not itself a dead-letter queue hands its
 * poison messages to one instead of retrying them until they expire. A queue that receives
 * what a Lambda function failed to process (its asynchronous on-failure destination, or its
 * dead-letter target) is a dead-letter queue too.
 */
import { readJsonAttribute } from '../hcl-expression';
import { compliantIf, Compliance, type PolicyRule } from '../rule';
import { asRecord, block, isSet, isTrue, refersTo, type StackResource, type StackView } from '../stack-view';

/** FF-SQS-1: server-side encryption, SQS-managed or KMS. */
export const SQS_ENCRYPTED: PolicyRule = {
  id: 'FF-SQS-1',
  description: 'SQS queue needs sqs_managed_sse_enabled = true or kms_master_key_id',
  evaluate: (queue) =>
    onQueue(queue, () =>
      compliantIf(isTrue(queue.config.sqs_managed_sse_enabled) || isSet(queue.config.kms_master_key_id)),
    ),
};

/** FF-SQS-2: a dead-letter queue, unless the queue is one. */
export const SQS_DEAD_LETTER_QUEUE: PolicyRule = {
  id: 'FF-SQS-2',
  description:
    'SQS queue needs a redrive_policy (on the queue or an aws_sqs_queue_redrive_policy) naming a dead-letter queue, unless it is itself a dead-letter queue (of another queue, or of a Lambda function)',
  evaluate: (queue, stack) =>
    onQueue(queue, () => {
      const hasRedrive =
        isSet(queue.config.redrive_policy) ||
        stack
          .ofType('aws_sqs_queue_redrive_policy')
          .some((r) => refersTo(r.config.queue_url, queue) && isSet(r.config.redrive_policy));
      return compliantIf(hasRedrive || isDeadLetterQueue(queue, stack) || isLambdaDeadLetterQueue(queue, stack));
    }),
};

/** Whether another queue's redrive policy (inline or a separate resource) targets `queue`. */
function isDeadLetterQueue(queue: StackResource, stack: StackView): boolean {
  const redrivePolicies = [...stack.ofType('aws_sqs_queue'), ...stack.ofType('aws_sqs_queue_redrive_policy')]
    .filter((r) => r !== queue)
    .map((r) => r.config.redrive_policy);
  return redrivePolicies.some((policy) => refersTo(deadLetterTarget(policy), queue));
}

/** Whether a Lambda function sends the events it failed on to `queue` (on-failure destination or dead-letter target). */
function isLambdaDeadLetterQueue(queue: StackResource, stack: StackView): boolean {
  const onFailure = stack
    .ofType('aws_lambda_function_event_invoke_config')
    .map((config) => block(block(config.config, 'destination_config'), 'on_failure')?.destination);
  const deadLetter = stack
    .ofType('aws_lambda_function')
    .map((fn) => block(fn.config, 'dead_letter_config')?.target_arn);
  return [...onFailure, ...deadLetter].some((target) => refersTo(target, queue));
}

/** `deadLetterTargetArn` of a redrive policy written as JSON, `jsonencode(…)` or an opaque expression. */
function deadLetterTarget(policy: unknown): unknown {
  const parsed = readJsonAttribute(policy);
  // Unreadable (e.g. a local): the whole expression still names the target if it names any queue.
  return parsed === undefined ? policy : asRecord(parsed)?.deadLetterTargetArn;
}

function onQueue(resource: StackResource, evaluate: () => Compliance): Compliance {
  return resource.mode === 'managed' && resource.type === 'aws_sqs_queue' ? evaluate() : Compliance.NOT_APPLICABLE;
}
