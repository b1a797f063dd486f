import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { ENVIRONMENTS } from '../../environments';
import { parseEnvironmentConfig } from '../../environments/config';
import { bundleHandler } from '../../modules/bundled-function';
import { FileflowStack } from '../../modules/fileflow-stack';
import { resourcesOf, synthJson, testApp } from '../helpers/cdktf';

const run = promisify(execFile);
const HANDLERS_DIR = join(__dirname, '..', '..', 'functions', 'handlers');

/**
 * A deploy-time reference (`${aws_sns_topic.alerts.arn}`) as Lambda would see it: an ARN, a
 * queue URL or a name, in the stack's account and region.
 */
function resolvedReferences(value: string): string {
  return value.replace(/\$\{(aws_[a-z0-9_]+)\.([^.}]+)\.([a-z_]+)\}/g, (_ref, type: string, id: string, attribute) => {
    const name = `fileflow-${id.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 60);
    if (attribute === 'arn') return `arn:aws:${type.split('_')[1]}:us-west-2:222222222222:${name}`;
    if (attribute === 'url') return `https://sqs.us-west-2.amazonaws.com/222222222222/${name}`;
    return name;
  });
}

describe('Lambda functions of a stack', function () {
  this.timeout(120_000);

  // Every function there is: the shipped environment plus the chat bot and a pull source.
  const config = parseEnvironmentConfig(
    {
      ...ENVIRONMENTS.test,
      chatBot: { slackSigningSecretArn: 'arn:aws:secretsmanager:us-west-2:222222222222:secret:fileflow/slack-AbCdEf' },
      pull: {
        sources: {
          initech: {
            host: 'sftp.initech.example',
            username: 'fileflow',
            privateKeySecretArn: 'arn:aws:secretsmanager:us-west-2:222222222222:secret:fileflow/initech-AbCdEf',
            hostKeyFingerprint: 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU',
          },
        },
      },
    },
    'test',
  );
  const functions = Object.values(resourcesOf(synthJson(new FileflowStack(testApp(), config)), 'aws_lambda_function'));
  // Every handler's bundle, by file name.
  const handlers = readdirSync(HANDLERS_DIR).map((file) => ({ file, ...bundleHandler(`handlers/${file}`) }));

  it('GIVEN every handler in functions/handlers THEN the stack deploys each one', () => {
    const deployed = new Set(functions.map((fn) => fn.source_code_hash));
    const missing = handlers.filter((handler) => !deployed.has(handler.sha256)).map((handler) => handler.file);
    expect(missing).to.deep.equal([]);
  });

  it('GIVEN a handler that copies files THEN its bundle holds the AWS SDK as ES modules, which start sooner than the CommonJS build', () => {
    const { directory } = bundleHandler('handlers/copy-to-sftp.ts');
    const { sources } = JSON.parse(readFileSync(join(directory, 'index.js.map'), 'utf8')) as { sources: string[] };
    const sdk = sources.filter((source) => /node_modules\/@(aws-sdk|smithy)\//.test(source));
    expect(sdk.some((source) => source.includes('/@aws-sdk/client-s3/dist-es/'))).to.equal(true);
    expect(sdk.filter((source) => source.includes('/dist-cjs/'))).to.deep.equal([]);
  });

  it('GIVEN each function as synthesized WHEN Node loads its bundle with the environment the stack gives it THEN it exports its handler', async () => {
    const failures: string[] = [];
    for (const fn of functions) {
      const directory = handlers.find((handler) => handler.sha256 === fn.source_code_hash)?.directory;
      expect(directory, `bundle of ${String(fn.function_name)}`).not.to.equal(undefined);
      const variables = (fn.environment as { variables?: Record<string, string> } | undefined)?.variables ?? {};
      const env: Record<string, string> = { PATH: process.env.PATH ?? '', AWS_REGION: 'us-west-2' };
      for (const [name, value] of Object.entries(variables)) env[name] = resolvedReferences(value);
      const [file, exported] = String(fn.handler).split('.');
      try {
        const { stdout } = await run(
          process.execPath,
          [
            '-e',
            `console.log(typeof require(${JSON.stringify(join(directory!, `${file}.js`))})[${JSON.stringify(exported)}])`,
          ],
          { env },
        );
        if (stdout.trim() !== 'function') failures.push(`${String(fn.function_name)}: ${exported} is ${stdout.trim()}`);
      } catch (error) {
        const stderr = String((error as { stderr?: string }).stderr);
        const reason = stderr.split('\n').find((line) => /^\w*Error\b/.test(line)) ?? stderr.slice(-300);
        failures.push(`${String(fn.function_name)}: ${reason}`);
      }
    }
    expect(failures).to.deep.equal([]);
    expect(functions.length).to.be.at.least(handlers.length);
  });
});
