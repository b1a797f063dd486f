import { expect } from 'chai';
import { namePrefixProblems } from '../../modules/name-prefix';

describe('Module name prefixes', () => {
  describe('GIVEN a prefix that must start with a letter, 24 characters at most', () => {
    const rule = { max: 24, first: 'letter' } as const;

    it('THEN two to twenty-four lowercase letters, digits and dashes pass', () => {
      for (const prefix of ['ff', 'fileflow-dev', 'a1', 'a-', `f${'x'.repeat(23)}`]) {
        expect(namePrefixProblems(prefix, rule), prefix).to.deep.equal([]);
      }
    });

    it('THEN a prefix too short or too long, with a capital, an underscore or a leading digit is refused with the rule', () => {
      for (const prefix of ['f', '', `f${'x'.repeat(24)}`, 'FF', 'file_flow', '1ff', '-ff', 'ff.dev']) {
        expect(namePrefixProblems(prefix, rule), prefix).to.deep.equal([
          `namePrefix '${prefix}' must be 2–24 lowercase letters, digits or '-', starting with a letter`,
        ]);
      }
    });
  });

  describe('GIVEN a prefix that may start with a digit, 36 characters at most', () => {
    const rule = { max: 36, first: 'letter or digit' } as const;

    it('THEN one to thirty-six characters pass, a leading digit too', () => {
      for (const prefix of ['f', '1', '1ff', `a${'-'.repeat(35)}`]) {
        expect(namePrefixProblems(prefix, rule), prefix).to.deep.equal([]);
      }
    });

    it('THEN an empty, a 37-character or a dash-first prefix is refused with the rule', () => {
      for (const prefix of ['', `a${'b'.repeat(36)}`, '-a']) {
        expect(namePrefixProblems(prefix, rule), prefix).to.deep.equal([
          `namePrefix '${prefix}' must be 1–36 lowercase letters, digits or '-', starting with a letter or digit`,
        ]);
      }
    });
  });
});
