/**
 * Root hook of the fault-injection suite (`.mocharc-faults.cjs`): after every
 * scenario has run, prints the accounting table — per scenario the files sent,
 * delivered, failed as expected, lost and duplicated — with a total line.
 */
import { formatTable } from '../../../cli/runtime/cli-support';
import { scenarioRows, type ScenarioRow } from './ledger';

export const mochaHooks = {
  afterAll(): void {
    if (scenarioRows.length === 0) return;
    const sum = (column: keyof ScenarioRow) => scenarioRows.reduce((total, row) => total + Number(row[column]), 0);
    const total: ScenarioRow = {
      scenario: 'total',
      files: sum('files'),
      delivered: sum('delivered'),
      'failed as expected': sum('failed as expected'),
      lost: sum('lost'),
      duplicated: sum('duplicated'),
    };
    process.stdout.write(`\nFault injection: every file accounted for\n\n${formatTable([...scenarioRows, total])}\n`);
  },
};
