import { expect } from 'chai';
import { readJsonAttribute } from '../../modules/policy/hcl-expression';

describe('policy pack: reading JSON attributes written as JSON or jsonencode(...)', () => {
  it('GIVEN the HCL cdktf writes for Fn.jsonencode THEN references come back as ${...} and literals as values', () => {
    const hcl =
      '${jsonencode({"Version" = "2012-10-17", "Statement" = [{"Effect" = "Allow", "Action" = ["s3:GetObject"], ' +
      '"Resource" = [aws_s3_bucket.b.arn, "${aws_s3_bucket.b.arn}/*", "*"], "Condition" = {"Bool" = ' +
      '{"aws:SecureTransport" = "false"}}, "Max" = 5, "On" = true}]})}';
    expect(readJsonAttribute(hcl)).to.deep.equal({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['s3:GetObject'],
          Resource: ['${aws_s3_bucket.b.arn}', '${aws_s3_bucket.b.arn}/*', '*'],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          Max: 5,
          On: true,
        },
      ],
    });
  });

  it('GIVEN function calls, escapes and nested quotes inside interpolations THEN they are kept whole', () => {
    const hcl =
      '${jsonencode({"a" = concat(["x"], var.y), "b" = "say \\"hi\\" $${literal}", "c" = "${lookup(var.m, "k")}"})}';
    expect(readJsonAttribute(hcl)).to.deep.equal({
      a: '${concat(["x"], var.y)}',
      b: 'say "hi" ${literal}',
      c: '${lookup(var.m, "k")}',
    });
  });

  it('GIVEN literal JSON THEN it is parsed; GIVEN another expression or broken HCL THEN it is unreadable', () => {
    expect(readJsonAttribute('{"Statement":[]}')).to.deep.equal({ Statement: [] });
    expect(readJsonAttribute('${file("policy.json")}')).to.equal(undefined);
    expect(readJsonAttribute('${jsonencode({"a" = [1, 2)}')).to.equal(undefined);
    expect(readJsonAttribute(42)).to.equal(undefined);
  });
});
