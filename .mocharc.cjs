// `npx mocha tests/x.test.ts` runs just that file; plain `mocha` (npm test) runs every spec but the
// fault-injection suite, which has its own command (`npm run test:faults`, .mocharc-faults.cjs).
const namedFiles = process.argv.slice(2).some((arg) => /\.ts$|\/$/.test(arg));

module.exports = {
  require: ['tsx/cjs', './tests/setup.ts'],
  extension: ['ts'],
  ...(namedFiles ? {} : { spec: ['tests/**/*.test.ts'], ignore: ['tests/faults/**'] }),
  timeout: 60000,
  reporter: 'spec',
};
