import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { TerraformStack, TerraformVariable } from 'cdktf';
import { unzipSync } from 'fflate';
import { BundledFunction, bundleHandler } from '../../modules/bundled-function';
import { onlyResource, resourcesOf, synthJson, testApp } from '../helpers/cdktf';

// Handlers are bundled from functions/; these specs write throw-away handlers into a
// folder there and remove it afterwards.
const FIXTURE_DIR = join(__dirname, '..', '..', 'functions', '.spec-handlers');
const fixture = (name: string, source: string): string => {
  mkdirSync(FIXTURE_DIR, { recursive: true });
  writeFileSync(join(FIXTURE_DIR, name), source);
  return `.spec-handlers/${name}`;
};

const REPO = join(__dirname, '..', '..');
const bundleInFreshProcess = (handler: string): string =>
  execFileSync(
    process.execPath,
    ['--import', 'tsx', '-e', `console.log(require('./modules/bundled-function').bundleHandler('${handler}').sha256)`],
    { cwd: REPO, encoding: 'utf8' },
  ).trim();
/** The build records naming `handler`. */
const recordsOf = (handler: string): string[] => {
  const folder = join(REPO, '.gen', 'bundles', 'builds');
  return readdirSync(folder)
    .filter((file) => file.endsWith('.json'))
    .map((file) => join(folder, file))
    .filter((file) => handler in (JSON.parse(readFileSync(file, 'utf8')) as { bundles: object }).bundles);
};
/** The one build record naming `handler`, and when it was written. */
const recordOf = (handler: string): { path: string; written: number } => {
  const [path, ...more] = recordsOf(handler);
  if (!path || more.length > 0) throw new Error(`expected one build record for ${handler}`);
  return { path, written: statSync(path).mtimeMs };
};
/** Forgets every earlier build of `handler`, so the next process builds it afresh. */
const forgetBuilds = (handler: string): void => recordsOf(handler).forEach((path) => rmSync(path));

describe('BundledFunction', () => {
  let entry: string;
  before(() => {
    entry = fixture(
      'echo.ts',
      `import { Client } from 'ssh2';
       export const handler = async (event: unknown) => ({ event, sftp: typeof Client });\n`,
    );
  });
  after(() => rmSync(FIXTURE_DIR, { recursive: true, force: true }));

  const props = {
    functionName: 'fileflow-dev-echo',
    logRetentionDays: 14,
    environment: { TABLE_NAME: 'transfers' },
    permissions: [{ actions: ['dynamodb:PutItem'], resources: ['arn:aws:dynamodb:us-west-2:111111111111:table/t'] }],
  };

  describe('GIVEN a handler that uses ssh2', () => {
    it('THEN it is bundled as one minified CommonJS file with a source map, native add-ons left out', () => {
      const bundle = bundleHandler(entry);
      const code = readFileSync(join(bundle.directory, 'index.js'), 'utf8');
      expect(code).to.match(/sourceMappingURL=index\.js\.map/);
      expect(code).to.match(/module\.exports/);
      expect(code).to.match(/require\("cpu-features"\)/);
      const map = JSON.parse(readFileSync(join(bundle.directory, 'index.js.map'), 'utf8')) as { sources: string[] };
      expect(map.sources.some((source) => source.endsWith('functions/.spec-handlers/echo.ts'))).to.equal(true);
      expect(map.sources.every((source) => !source.startsWith('/'))).to.equal(true);
      // The bundle runs: the handler answers without any package installed next to it.
      const loaded = require(join(bundle.directory, 'index.js')) as { handler: (e: unknown) => Promise<unknown> };
      return loaded
        .handler({ ping: 1 })
        .then((out) => expect(out).to.deep.equal({ event: { ping: 1 }, sftp: 'function' }));
    });
  });

  describe('GIVEN a bundled handler', () => {
    it('THEN its zip holds exactly the bundle files, readable by Lambda', () => {
      const bundle = bundleHandler(entry);
      const zipped = readFileSync(bundle.archive);
      const files = unzipSync(zipped);
      expect(Object.keys(files).sort()).to.deep.equal(['index.js', 'index.js.map']);
      for (const name of Object.keys(files)) {
        expect(Buffer.from(files[name]).equals(readFileSync(join(bundle.directory, name))), name).to.equal(true);
      }
      // Central directory entries: made on Unix, mode 0644.
      const central = zipped.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
      expect(zipped[central + 5]).to.equal(3);
      expect((zipped.readUInt32LE(central + 38) >>> 16) & 0o777).to.equal(0o644);
      expect(bundle.archive).to.equal(`${bundle.directory}.zip`);
    });

    it('THEN every stack deploys the zip as a file asset whose hash is the bundle hash', () => {
      const app = testApp();
      const synths = ['one', 'two'].map((id) => {
        const stack = new TerraformStack(app, id);
        new BundledFunction(stack, 'echo', { ...props, entry });
        return synthJson(stack);
      });
      const sha256 = bundleHandler(entry).sha256;
      for (const synth of synths) {
        const fn = onlyResource(synth, 'aws_lambda_function');
        expect(fn.source_code_hash).to.equal(sha256);
        expect(fn.filename).to.match(
          new RegExp(`^assets/echo_code_[0-9A-F]{8}/${sha256}/${sha256.slice(0, 16)}\\.zip$`),
        );
      }
    });
  });

  describe('GIVEN the defaults', () => {
    let synth: ReturnType<typeof synthJson>;
    before(() => {
      const stack = new TerraformStack(testApp(), 'stack');
      new BundledFunction(stack, 'echo', { ...props, entry });
      synth = synthJson(stack);
    });

    it('THEN the function runs Node 22 on arm64 with tracing, JSON logs and source maps on', () => {
      const fn = onlyResource(synth, 'aws_lambda_function');
      expect(fn).to.include({
        function_name: 'fileflow-dev-echo',
        runtime: 'nodejs22.x',
        handler: 'index.handler',
        memory_size: 512,
        timeout: 60,
      });
      expect(fn.architectures).to.deep.equal(['arm64']);
      expect(fn.tracing_config).to.deep.equal({ mode: 'Active' });
      expect(fn.environment).to.deep.equal({
        variables: { NODE_OPTIONS: '--enable-source-maps --max-semi-space-size=2', TABLE_NAME: 'transfers' },
      });
      expect(fn.logging_config).to.deep.equal({
        log_format: 'JSON',
        log_group: '${aws_cloudwatch_log_group.echo_logs_3E861C20.name}',
      });
    });

    it('THEN it has its own log group with the retention, created first', () => {
      expect(onlyResource(synth, 'aws_cloudwatch_log_group')).to.include({
        name: '/aws/lambda/fileflow-dev-echo',
        retention_in_days: 14,
      });
      expect(onlyResource(synth, 'aws_lambda_function').depends_on).to.deep.equal([
        'aws_cloudwatch_log_group.echo_logs_3E861C20',
      ]);
    });

    it('THEN its role may write its own logs and do exactly what it was granted', () => {
      const policy = JSON.parse(onlyResource(synth, 'aws_iam_role_policy').policy as string) as {
        Statement: { Action: string[]; Resource: string[] }[];
      };
      expect(policy.Statement.map((s) => [s.Action, s.Resource])).to.deep.equal([
        [['logs:CreateLogStream', 'logs:PutLogEvents'], ['${aws_cloudwatch_log_group.echo_logs_3E861C20.arn}:*']],
        [['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], ['*']],
        [['dynamodb:PutItem'], ['arn:aws:dynamodb:us-west-2:111111111111:table/t']],
      ]);
      const trust = JSON.parse(onlyResource(synth, 'aws_iam_role').assume_role_policy as string) as {
        Statement: { Principal: unknown }[];
      };
      expect(trust.Statement[0].Principal).to.deep.equal({ Service: 'lambda.amazonaws.com' });
    });
  });

  describe('GIVEN the same source bundled in two separate processes', () => {
    it('THEN the asset hash is the same, so plans do not churn', () => {
      // Each process builds afresh: no record of an earlier build to reuse.
      const builtAfresh = (): string => {
        forgetBuilds(entry);
        return bundleInFreshProcess(entry);
      };
      const first = builtAfresh();
      expect(first).to.match(/^[0-9a-f]{64}$/);
      expect(builtAfresh()).to.equal(first);
      expect(bundleHandler(entry).sha256).to.equal(first);
    });

    it('THEN a changed source gives a new hash', () => {
      const changed = fixture('echo-changed.ts', `export const handler = async () => 'changed';\n`);
      expect(bundleHandler(changed).sha256).not.to.equal(bundleHandler(entry).sha256);
    });
  });

  describe('GIVEN a handler bundled by an earlier process', () => {
    it('WHEN nothing it was built from changed THEN the next process reuses it; WHEN an imported file changed THEN it is rebuilt', () => {
      fixture('greeting.ts', `export const greeting = 'hello';\n`);
      const handler = fixture(
        'greeter.ts',
        `import { greeting } from './greeting';\nexport const handler = async () => greeting;\n`,
      );
      forgetBuilds(handler);
      const first = bundleInFreshProcess(handler);
      const built = recordOf(handler);
      expect(bundleInFreshProcess(handler)).to.equal(first);
      expect(recordOf(handler)).to.deep.equal(built);

      fixture('greeting.ts', `export const greeting = 'goodbye';\n`);
      const second = bundleInFreshProcess(handler);
      expect(second).not.to.equal(first);
      const code = readFileSync(join(REPO, '.gen', 'bundles', second.slice(0, 16), 'index.js'), 'utf8');
      expect(code).to.include('goodbye');
    });
  });

  describe('GIVEN two functions in one stack', () => {
    it('THEN names, roles and log groups do not collide', () => {
      const stack = new TerraformStack(testApp(), 'two');
      new BundledFunction(stack, 'a', { ...props, entry, functionName: 'fileflow-dev-a' });
      new BundledFunction(stack, 'b', { ...props, entry, functionName: 'fileflow-dev-b' });
      const synth = synthJson(stack);
      const names = Object.values(resourcesOf(synth, 'aws_cloudwatch_log_group')).map((g) => g.name);
      expect(names).to.deep.equal(['/aws/lambda/fileflow-dev-a', '/aws/lambda/fileflow-dev-b']);
      expect(Object.keys(resourcesOf(synth, 'aws_iam_role'))).to.have.length(2);
    });
  });

  describe('GIVEN conflicting or invalid props', () => {
    it('THEN every problem is reported at once, before any resource is made', () => {
      const stack = new TerraformStack(testApp(), 'bad');
      const build = () =>
        new BundledFunction(stack, 'bad', {
          ...props,
          entry: '../main.ts',
          functionName: 'has spaces',
          memorySize: 64,
          timeoutSeconds: 901,
          environment: { AWS_REGION: 'x' },
        });
      expect(build)
        .to.throw(/functionName 'has spaces'/)
        .with.property('message')
        .that.matches(/entry '\.\.\/main\.ts' must be a path inside functions/)
        .and.matches(/memorySize 64/)
        .and.matches(/timeoutSeconds 901/)
        .and.matches(/AWS_REGION is reserved/);
      expect(stack.node.findAll().filter((c) => c.node.id === 'function')).to.have.length(0);
    });

    it("THEN environment variables over Lambda's 4 KB are refused at synth, naming the largest; deploy-time references count as nothing", () => {
      const stack = new TerraformStack(testApp(), 'big-environment');
      const reference = new TerraformVariable(stack, 'table', { type: 'string' }).stringValue;
      expect(
        () =>
          new BundledFunction(stack, 'big', {
            ...props,
            entry,
            environment: { SERVERS: 'x'.repeat(4100), TABLE: reference },
          }),
      ).to.throw(
        /environment variables take at least 41\d\d bytes, over Lambda's limit of 4096 \(SERVERS alone takes 4107\)/,
      );
      expect(
        () =>
          new BundledFunction(stack, 'fits', {
            ...props,
            entry,
            environment: { SERVERS: 'x'.repeat(3900), TABLE: reference.repeat(50) },
          }),
      ).not.to.throw();
    });

    it('THEN a handler that does not exist is named', () => {
      const stack = new TerraformStack(testApp(), 'missing');
      expect(() => new BundledFunction(stack, 'm', { ...props, entry: 'handlers/nope.ts' })).to.throw(
        /Lambda handler not found: functions\/handlers\/nope\.ts/,
      );
    });
  });
});
