// `npm run test:faults`: the fault-injection suite (kept out of `npm test`), with its accounting table at the end.
// `npm run test:faults -- tests/faults/<file>.test.ts` runs one scenario file, table included.
const namedFiles = process.argv.slice(2).some((arg) => /\.ts$|\/$/.test(arg));

module.exports = {
  require: ['tsx/cjs', './tests/setup.ts', './tests/faults/support/report.ts'],
  extension: ['ts'],
  ...(namedFiles ? {} : { spec: ['tests/faults/**/*.test.ts'] }),
  timeout: 120000,
  reporter: 'spec',
};
