/** Reads what the results report shows for a date range and turns it into the report model. */
import type { RunRecord } from '../harness/record';
import { buildReportModel, daysOf, type ReportModel, type ReportRange, type TransferEntry } from './model';

/** Days whose `run.json` records are read at once. */
const DAYS_AT_ONCE = 4;

/** Where the report's data comes from: injected, so AWS and the local runtime share this code. */
export interface ReportSources {
  /** The harness's `run.json` records of one day (`results/dt=<date>/…`). */
  runsOn(date: string): Promise<RunRecord[]>;
  /** The customer file index entries dated inside the range. */
  transfers(range: ReportRange): Promise<TransferEntry[]>;
}

/** Reads every day of `range` and the transfers of the range, and builds the report model. */
export async function gatherReport(range: ReportRange, sources: ReportSources, now: Date): Promise<ReportModel> {
  const [runs, transfers] = await Promise.all([readRuns(daysOf(range), sources), sources.transfers(range)]);
  return buildReportModel({ range, generatedAt: now, runs, transfers });
}

async function readRuns(days: readonly string[], sources: ReportSources): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  for (let start = 0; start < days.length; start += DAYS_AT_ONCE) {
    const batch = await Promise.all(days.slice(start, start + DAYS_AT_ONCE).map((date) => sources.runsOn(date)));
    runs.push(...batch.flat());
  }
  return runs;
}
