import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { expect } from 'chai';
import { Testing } from 'cdktf';
import { Construct } from 'constructs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyPolicyPack, FILEFLOW_RULES, findViolations, suppress, SUPPRESSION_RULE_ID } from '../../modules/policy';
import { newApp, newStack, removeTestOutput, stackIn } from './harness';

describe('policy pack: applied to a stack', () => {
  after(removeTestOutput);

  it('GIVEN the pack THEN every rule id is unique and named FF-<SERVICE>-<n>', () => {
    const ids = FILEFLOW_RULES.map((rule) => rule.id);
    expect(new Set(ids).size).to.equal(ids.length);
    for (const id of ids) expect(id).to.match(/^FF-[A-Z0-9]+-\d+$/);
  });

  it('GIVEN a compliant stack WHEN the app synthesizes THEN it writes the stack', () => {
    const app = newApp();
    const stack = stackIn(app);
    applyPolicyPack(stack);
    new CloudwatchLogGroup(stack, 'logs', { name: '/fileflow/transfers', retentionInDays: 30 });
    new SnsTopic(stack, 'alarms', { kmsMasterKeyId: 'alias/aws/sns' });
    app.synth();
    expect(fs.existsSync(path.join(app.outdir, 'stacks', 'transfer', 'cdk.tf.json'))).to.equal(true);
  });

  it('GIVEN a planted violation WHEN the app synthesizes THEN synth fails naming the rule id and the resource path', () => {
    const app = newApp();
    const stack = stackIn(app);
    applyPolicyPack(stack);
    const module = new Construct(stack, 'alarms');
    new SnsTopic(module, 'topic', {});
    expect(() => app.synth()).to.throw(/FF-SNS-1[\s\S]*transfer\/alarms\/topic/);
    expect(fs.existsSync(path.join(app.outdir, 'stacks', 'transfer', 'cdk.tf.json'))).to.equal(false);
  });

  it('GIVEN a planted violation WHEN the stack is synthesized with Testing.synth THEN the error annotation is on the resource, once, even after a second synth', () => {
    const stack = newStack();
    applyPolicyPack(stack);
    const topic = new SnsTopic(stack, 'alarms', {});
    Testing.synth(stack);
    Testing.synth(stack);
    const errors = topic.node.metadata.filter((m) => m.type === '@cdktf/error').map((m) => String(m.data));
    expect(errors).to.have.length(1);
    expect(errors[0]).to.contain('[FF-SNS-1]').and.to.contain('transfer/alarms');
  });

  it('GIVEN a suppression with a reason THEN exactly that rule is silenced on exactly that construct', () => {
    const stack = newStack();
    const silenced = new SqsQueue(stack, 'partner-feed', {});
    new SqsQueue(stack, 'work', {});
    suppress(silenced, [
      { id: 'FF-SQS-2', reason: 'The partner replays from their side; a DLQ would hide their retries.' },
    ]);
    const violations = findViolations(stack).map((v) => `${v.ruleId} ${v.path}`);
    expect(violations).to.have.members([
      'FF-SQS-1 transfer/partner-feed',
      'FF-SQS-1 transfer/work',
      'FF-SQS-2 transfer/work',
    ]);
  });

  it('GIVEN a suppression on a parent construct THEN it covers the resources below it', () => {
    const stack = newStack();
    const module = new Construct(stack, 'partner-feed');
    new SqsQueue(module, 'queue', { sqsManagedSseEnabled: true });
    suppress(module, [{ id: 'FF-SQS-2', reason: 'Partner feed is replayed by the partner on failure.' }]);
    expect(findViolations(stack)).to.deep.equal([]);
  });

  it('GIVEN a suppression without a reason WHEN the app synthesizes THEN synth fails naming the suppression AND the rule is not silenced', () => {
    const app = newApp();
    const stack = stackIn(app);
    applyPolicyPack(stack);
    const topic = new SnsTopic(stack, 'alarms', {});
    suppress(topic, [{ id: 'FF-SNS-1', reason: ' n/a ' }]);
    expect(() => app.synth()).to.throw(/FF-SUPPRESSION.*FF-SNS-1 on transfer\/alarms needs a reason/);
    expect(findViolations(stack).map((v) => v.ruleId)).to.have.members([SUPPRESSION_RULE_ID, 'FF-SNS-1']);
  });

  it('GIVEN a suppression of an id that is no rule (a typo) THEN it is an error too', () => {
    const stack = newStack();
    const topic = new SnsTopic(stack, 'alarms', { kmsMasterKeyId: 'alias/aws/sns' });
    suppress(topic, [{ id: 'FF-SNS-01', reason: 'Typo of the rule id, so nothing would be suppressed.' }]);
    const [violation] = findViolations(stack);
    expect(violation.ruleId).to.equal(SUPPRESSION_RULE_ID);
    expect(violation.message).to.contain('FF-SNS-01').and.to.contain('names no rule');
  });

  it('GIVEN the pack applied with a subset of rules THEN only those rules are held', () => {
    const app = newApp();
    const stack = stackIn(app);
    applyPolicyPack(stack, { rules: FILEFLOW_RULES.filter((rule) => rule.id === 'FF-LOGS-1') });
    new SnsTopic(stack, 'alarms', {});
    new CloudwatchLogGroup(stack, 'logs', { name: '/fileflow/transfers' });
    Testing.synth(stack);
    const annotated = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === '@cdktf/error').map((m) => String(m.data)));
    expect(annotated).to.have.length(1);
    expect(annotated[0]).to.match(/^\[FF-LOGS-1\]/);
  });
});
