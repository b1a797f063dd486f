import { expect } from 'chai';
import { Chain, Map, Parallel, StateMachineDefinition, Task, TaskIntegration } from '../../asl';
import { mergePolicyStatements } from '../../asl/iam';

const table = { tableName: '${aws_dynamodb_table.transfers.name}', tableArn: '${aws_dynamodb_table.transfers.arn}' };
const copyArn = '${aws_lambda_function.copy.arn}';
const hashArn = '${aws_lambda_function.hash.arn}';

describe('GIVEN Tasks that declare the IAM they need', () => {
  describe('WHEN the machine spreads them over the main chain, Parallel branches and a Map processor', () => {
    const definition = new StateMachineDefinition(
      Chain.start(
        new Task('Record', {
          integration: TaskIntegration.dynamoPutItem({ table, parameters: { Item: { id: { 'S.$': '$.id' } } } }),
        }),
      )
        .next(
          new Parallel('Fan').branch(
            new Map('EachFile').itemProcessor(
              Chain.start(
                new Task('Copy', { integration: TaskIntegration.lambdaInvoke({ functionArn: copyArn }) }),
              ).next(new Task('Hash', { integration: TaskIntegration.lambdaInvoke({ functionArn: hashArn }) })),
            ),
            new Task('CopyAgain', { integration: TaskIntegration.lambdaInvoke({ functionArn: copyArn }) }),
            new Task('MarkDone', {
              integration: TaskIntegration.dynamoUpdateItem({ table, parameters: { Key: { id: { 'S.$': '$.id' } } } }),
            }),
          ),
        )
        .next(
          new Task('Lookup', {
            integration: TaskIntegration.dynamoGetItem({ table, parameters: { Key: { id: { 'S.$': '$.id' } } } }),
          }),
        ),
    );

    it('THEN policyStatements() covers every Task once, merging same-resource and same-action grants', () => {
      expect(definition.policyStatements()).to.deep.equal([
        {
          actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem'],
          resources: ['${aws_dynamodb_table.transfers.arn}'],
        },
        {
          actions: ['lambda:InvokeFunction'],
          resources: [copyArn, `${copyArn}:*`, hashArn, `${hashArn}:*`],
        },
      ]);
    });
  });

  describe('WHEN statements overlap only partly', () => {
    it('THEN merging never grants an action on a resource it was not asked for', () => {
      expect(
        mergePolicyStatements([
          { actions: ['sqs:SendMessage'], resources: ['arn:q1'] },
          { actions: ['sns:Publish'], resources: ['arn:t1'] },
          { actions: ['sqs:SendMessage', 'sqs:SendMessage'], resources: ['arn:q2', 'arn:q1'] },
        ]),
      ).to.deep.equal([
        { actions: ['sqs:SendMessage'], resources: ['arn:q1', 'arn:q2'] },
        { actions: ['sns:Publish'], resources: ['arn:t1'] },
      ]);
    });
  });

  describe('WHEN each integration is built', () => {
    const cases: [string, TaskIntegration, { actions: string[]; resources: string[] }][] = [
      [
        'lambda:invoke',
        TaskIntegration.lambdaInvoke({ functionArn: copyArn }),
        { actions: ['lambda:InvokeFunction'], resources: [copyArn, `${copyArn}:*`] },
      ],
      [
        'dynamodb:putItem',
        TaskIntegration.dynamoPutItem({ table, parameters: {} }),
        { actions: ['dynamodb:PutItem'], resources: [table.tableArn] },
      ],
      [
        'sns:publish',
        TaskIntegration.snsPublish({ topicArn: 'arn:topic', parameters: { Message: 'm' } }),
        { actions: ['sns:Publish'], resources: ['arn:topic'] },
      ],
      [
        'sqs:sendMessage',
        TaskIntegration.sqsSendMessage({
          queue: { queueUrl: 'https://q', queueArn: 'arn:queue' },
          parameters: { MessageBody: 'm' },
        }),
        { actions: ['sqs:SendMessage'], resources: ['arn:queue'] },
      ],
      [
        's3:putObject',
        TaskIntegration.s3PutObject({
          bucket: { bucketName: 'b', bucketArn: '${aws_s3_bucket.reports.arn}' },
          keyPrefix: 'reports/',
          parameters: { Key: 'reports/x', Body: 'x' },
        }),
        { actions: ['s3:PutObject'], resources: ['${aws_s3_bucket.reports.arn}/reports/*'] },
      ],
    ];
    for (const [name, integration, statement] of cases) {
      it(`THEN ${name} declares least privilege on its own resource`, () => {
        expect(integration.policyStatements).to.deep.equal([statement]);
      });
    }
  });
});
