import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
// ajv 8 comes with asl-validator (a devDependency); it stands in for the editor here.
import Ajv2020 from 'ajv/dist/2020';
import { expect } from 'chai';
import { JSON_SCHEMA_DIR, renderJsonSchemas } from '../../functions/core/flows/generate-json-schema';
import { minimalFlow, REPO_ROOT, sampleFlow } from './fixtures';

const committed = (name: string) => readFileSync(join(REPO_ROOT, JSON_SCHEMA_DIR, name), 'utf8');

function editorValidator(name: string) {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  return ajv.compile(JSON.parse(committed(name)));
}

describe('published JSON Schema', () => {
  for (const [name, text] of Object.entries(renderJsonSchemas())) {
    it(`GIVEN the zod schema WHEN the generator renders ${name} THEN it equals the committed schemas/${name}`, () => {
      // On failure: npx tsx functions/core/flows/generate-json-schema.ts, and commit the result.
      expect(committed(name)).to.equal(text);
    });
  }

  it('GIVEN every sample config WHEN its $schema is followed THEN it leads to the published schema for its kind', () => {
    for (const kind of ['flows', 'groups']) {
      const dir = join(REPO_ROOT, 'config', kind);
      for (const file of readdirSync(dir)) {
        const { $schema } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { $schema: string };
        const expected = kind === 'flows' ? 'flow.schema.json' : 'group.schema.json';
        expect(resolve(dirname(join(dir, file)), $schema), `${kind}/${file}`).to.equal(
          join(REPO_ROOT, JSON_SCHEMA_DIR, expected),
        );
      }
    }
  });

  it('GIVEN the published flow schema (as an editor uses it) WHEN the samples are checked THEN all pass', () => {
    const validate = editorValidator('flow.schema.json');
    for (const file of readdirSync(join(REPO_ROOT, 'config', 'flows'))) {
      const ok = validate(JSON.parse(readFileSync(join(REPO_ROOT, 'config', 'flows', file), 'utf8')));
      expect(ok, `${file}: ${JSON.stringify(validate.errors)}`).to.equal(true);
    }
  });

  it('GIVEN the published flow schema WHEN the classic mistakes are checked THEN the editor flags each one too', () => {
    const validate = editorValidator('flow.schema.json');
    const noHostKey = sampleFlow('s3-to-sftp');
    delete noHostKey.target.sftp.host_key;
    const mistakes = {
      'missing host_key': noHostKey,
      'size_bytes and sizes': minimalFlow('both-sizes', { testdata: { size_bytes: 1, sizes: [1] } }),
      'unknown pattern': minimalFlow('bad-pattern', { testdata: { size_bytes: 1, pattern: 'xml' } }),
      'unknown field': minimalFlow('typo', { enabeld: false }),
      'bad flow_id': minimalFlow('Acme Flow'),
      'FAILURE without reason': minimalFlow('no-reason', { expect: { outcome: 'FAILURE' } }),
      'endpoint both s3 and sftp': minimalFlow('both-kinds', {
        source: { s3: { bucket: 'fileflow-local-landing', prefix: '' }, sftp: sampleFlow('sftp-to-s3').source.sftp },
      }),
    };
    for (const [mistake, flow] of Object.entries(mistakes)) expect(validate(flow), mistake).to.equal(false);
  });

  it('GIVEN the published group schema WHEN a group lists a flow twice THEN the editor flags it', () => {
    const validate = editorValidator('group.schema.json');
    expect(validate({ name: 'daily', flow_ids: ['s3-to-s3'] })).to.equal(true);
    expect(validate({ name: 'daily', flow_ids: ['s3-to-s3', 's3-to-s3'] })).to.equal(false);
  });
});
