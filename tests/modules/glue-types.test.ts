import { expect } from 'chai';
import { z } from 'zod';
import { glueColumns, NoGlueTypeError } from '../../functions/core/analytics/glue-types';

describe('Glue columns from a record schema', () => {
  it('GIVEN scalars, nullables, nested objects and arrays WHEN turned into columns THEN each has its Hive type, in field order', () => {
    const record = z.object({
      version: z.literal(2),
      name: z.string(),
      kind: z.enum(['a', 'b']),
      count: z.number().int(),
      ratio: z.number().nullable(),
      ok: z.boolean(),
      when: z.iso.datetime().optional(),
      parts: z.array(z.object({ key: z.string(), sizes: z.array(z.number().int()) })),
      hidden: z.string(),
    });

    expect(glueColumns(record, { omit: ['hidden'] })).to.deep.equal([
      { name: 'version', type: 'int' },
      { name: 'name', type: 'string' },
      { name: 'kind', type: 'string' },
      { name: 'count', type: 'bigint' },
      { name: 'ratio', type: 'double' },
      { name: 'ok', type: 'boolean' },
      { name: 'when', type: 'string' },
      { name: 'parts', type: 'array<struct<key:string,sizes:array<bigint>>>' },
    ]);
  });

  it('GIVEN a discriminated union of objects WHEN turned into a column THEN it is one struct with every member field', () => {
    const verdict = z.discriminatedUnion('outcome', [
      z.object({ outcome: z.literal('SUCCESS') }),
      z.object({ outcome: z.literal('FAILURE'), reason: z.string() }),
    ]);

    expect(glueColumns(z.object({ verdict: verdict.nullable() }))).to.deep.equal([
      { name: 'verdict', type: 'struct<outcome:string,reason:string>' },
    ]);
  });

  it('GIVEN a field that is a string or a number WHEN turned into a column THEN it is refused, naming the field', () => {
    expect(() => glueColumns(z.object({ id: z.union([z.string(), z.number()]) })))
      .to.throw(NoGlueTypeError)
      .with.property('message')
      .that.matches(/^id: no single Glue type/);
  });
});
