/**
 * The results report as data: what `fileflow report` shows, computed from the
 * harness's `run.json` records and the customer file index, with no I/O. The
 * renderer (`render.ts`) only lays this model out.
 */
import type { RunRecord } from '../harness/record';
import { TRANSFER_STATUSES, type CustomerFileEntry, type TransferStatus } from '../tracking/records';

/** Longest span one report covers: the dates are columns of the pass/fail grid. */
export const MAX_REPORT_DAYS = 92;

/** Days a report covers when `--from` is left out: the last week. */
export const DEFAULT_REPORT_DAYS = 7;

/** The days of a report, both ends included (UTC calendar days, `YYYY-MM-DD`). */
export interface ReportRange {
  readonly from: string;
  readonly to: string;
}

/** Thrown when `--from` / `--to` do not name a usable range; the message says which and why. */
export class InvalidReportRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidReportRangeError';
  }
}

const DAY_MS = 86_400_000;

function parseDay(option: string, value: string): number {
  const time = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
  if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== value) {
    throw new InvalidReportRangeError(`${option} must be a calendar day written YYYY-MM-DD, got "${value}"`);
  }
  return time;
}

function dayOf(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/**
 * The range `--from` / `--to` ask for: `to` defaults to today (UTC), `from` to
 * {@link DEFAULT_REPORT_DAYS} days ending at `to`.
 */
export function resolveReportRange(options: { from?: string; to?: string }, today: Date): ReportRange {
  const to = options.to === undefined ? parseDay('--to', dayOf(today.getTime())) : parseDay('--to', options.to);
  const from = options.from === undefined ? to - (DEFAULT_REPORT_DAYS - 1) * DAY_MS : parseDay('--from', options.from);
  if (from > to) throw new InvalidReportRangeError(`--from ${dayOf(from)} is after --to ${dayOf(to)}`);
  const days = (to - from) / DAY_MS + 1;
  if (days > MAX_REPORT_DAYS) {
    throw new InvalidReportRangeError(`the range spans ${days} days; a report covers at most ${MAX_REPORT_DAYS}`);
  }
  return { from: dayOf(from), to: dayOf(to) };
}

/** Every day of the range, oldest first. */
export function daysOf(range: ReportRange): string[] {
  const days: string[] = [];
  for (let time = parseDay('from', range.from); time <= parseDay('to', range.to); time += DAY_MS)
    days.push(dayOf(time));
  return days;
}

/**
 * The `p`-th percentile (0–100) by nearest rank: always a latency that was
 * measured, never an interpolation between two runs.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** A customer file index entry, with the failure queue's reason when the file failed. */
export interface TransferEntry extends CustomerFileEntry {
  /** The failure queue's `reasonCode` (or the code leading `errorMessage`); FAILED files only. */
  readonly reasonCode?: string;
}

/** One flow on one day. */
export interface FlowDay {
  readonly date: string;
  readonly runs: number;
  /** Runs whose outcome matched the flow's `expect`. */
  readonly passed: number;
  readonly failed: number;
  /** FAIL when any run missed its expectation; NONE when the flow did not run that day. */
  readonly verdict: 'PASS' | 'FAIL' | 'NONE';
  /** Over the runs that measured an end-to-end latency; `null` when none did. */
  readonly p50Seconds: number | null;
  readonly p95Seconds: number | null;
}

/** One flow over the range. */
export interface FlowSummary {
  readonly flowId: string;
  /** The flow's `validation.expect_within_seconds` as its latest run recorded it. */
  readonly sloSeconds: number | null;
  /** One entry per day of the range, in order. */
  readonly days: readonly FlowDay[];
  /** Whether any day has a latency to chart. */
  readonly hasLatency: boolean;
}

/** A run that missed its expectation. */
export interface RunFailure {
  readonly date: string;
  readonly flowId: string;
  readonly runId: string;
  readonly startedAt: string;
  readonly step: string | null;
  readonly reason: string | null;
  /** What the flow expected: `SUCCESS` or `FAILURE <reason>`. */
  readonly expected: string;
  readonly message: string | null;
}

/** One customer over the range: files per day by status. */
export interface CustomerSummary {
  readonly customerId: string;
  /** One entry per day of the range, in order. */
  readonly days: readonly { readonly date: string; readonly counts: Readonly<Record<TransferStatus, number>> }[];
  readonly total: number;
}

/** A transfer whose latest outcome on its day is FAILED. */
export interface TransferFailure {
  readonly date: string;
  readonly customerId: string;
  readonly fileName: string;
  readonly workflowId: string;
  readonly reasonCode: string;
  readonly message: string;
  readonly retryCount: number;
  readonly at: string;
}

/** Everything the report shows. */
export interface ReportModel {
  readonly range: ReportRange;
  readonly generatedAt: string;
  readonly days: readonly string[];
  readonly flows: readonly FlowSummary[];
  readonly runFailures: readonly RunFailure[];
  readonly customers: readonly CustomerSummary[];
  readonly transferFailures: readonly TransferFailure[];
  readonly totals: {
    readonly runs: number;
    readonly runsPassed: number;
    readonly runsFailed: number;
    readonly transfers: number;
    readonly transfersByStatus: Readonly<Record<TransferStatus, number>>;
  };
}

/** What {@link buildReportModel} is built from. */
export interface ReportInput {
  readonly range: ReportRange;
  readonly generatedAt: Date;
  readonly runs: readonly RunRecord[];
  readonly transfers: readonly TransferEntry[];
}

function zeroCounts(): Record<TransferStatus, number> {
  return Object.fromEntries(TRANSFER_STATUSES.map((status) => [status, 0])) as Record<TransferStatus, number>;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

function expectation(expect: RunRecord['expect']): string {
  if (!expect) return 'unknown (config invalid)';
  return expect.outcome === 'SUCCESS' ? 'SUCCESS' : `FAILURE ${expect.reason}`;
}

function flowSummary(flowId: string, runs: readonly RunRecord[], days: readonly string[]): FlowSummary {
  const byDay = groupBy(runs, (run) => run.date);
  const flowDays = days.map((date): FlowDay => {
    const dayRuns = byDay.get(date) ?? [];
    const passed = dayRuns.filter((run) => run.outcome_matches_expectation).length;
    const latencies = dayRuns.flatMap((run) => (run.latency_seconds === null ? [] : [run.latency_seconds]));
    return {
      date,
      runs: dayRuns.length,
      passed,
      failed: dayRuns.length - passed,
      verdict: dayRuns.length === 0 ? 'NONE' : passed === dayRuns.length ? 'PASS' : 'FAIL',
      p50Seconds: percentile(latencies, 50),
      p95Seconds: percentile(latencies, 95),
    };
  });
  const latest = [...runs].sort((a, b) => b.started_at.localeCompare(a.started_at));
  return {
    flowId,
    sloSeconds: latest.find((run) => run.slo_seconds !== null)?.slo_seconds ?? null,
    days: flowDays,
    hasLatency: flowDays.some((day) => day.p50Seconds !== null),
  };
}

/**
 * Builds the report from the runs and transfers read for `range`; anything
 * dated outside the range is left out, so a reader may over-fetch.
 */
export function buildReportModel(input: ReportInput): ReportModel {
  const days = daysOf(input.range);
  const inRange = (date: string) => date >= input.range.from && date <= input.range.to;
  const runs = input.runs.filter((run) => inRange(run.date));
  const transfers = input.transfers.filter((entry) => inRange(entry.date));

  const flows = [...groupBy(runs, (run) => run.flow_id)]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([flowId, flowRuns]) => flowSummary(flowId, flowRuns, days));

  const runFailures = runs
    .filter((run) => !run.outcome_matches_expectation)
    .sort((a, b) => b.started_at.localeCompare(a.started_at) || a.flow_id.localeCompare(b.flow_id))
    .map((run): RunFailure => ({
      date: run.date,
      flowId: run.flow_id,
      runId: run.run_id,
      startedAt: run.started_at,
      step: run.failed_step,
      reason: run.reason,
      expected: expectation(run.expect),
      message: run.reason_detail,
    }));

  const customers = [...groupBy(transfers, (entry) => entry.customerId)]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([customerId, entries]): CustomerSummary => {
      const byDay = groupBy(entries, (entry) => entry.date);
      return {
        customerId,
        days: days.map((date) => {
          const counts = zeroCounts();
          for (const entry of byDay.get(date) ?? []) counts[entry.status] += 1;
          return { date, counts };
        }),
        total: entries.length,
      };
    });

  const transferFailures = transfers
    .filter((entry) => entry.status === 'FAILED')
    .sort((a, b) => b.timestamp.localeCompare(a.timestamp) || a.customerId.localeCompare(b.customerId))
    .map((entry): TransferFailure => ({
      date: entry.date,
      customerId: entry.customerId,
      fileName: entry.fileName,
      workflowId: entry.workflowId,
      reasonCode: entry.reasonCode ?? 'UNKNOWN',
      message: entry.errorMessage ?? '',
      retryCount: entry.retryCount,
      at: entry.timestamp,
    }));

  const transfersByStatus = zeroCounts();
  for (const entry of transfers) transfersByStatus[entry.status] += 1;
  const runsPassed = runs.filter((run) => run.outcome_matches_expectation).length;

  return {
    range: input.range,
    generatedAt: input.generatedAt.toISOString(),
    days,
    flows,
    runFailures,
    customers,
    transferFailures,
    totals: {
      runs: runs.length,
      runsPassed,
      runsFailed: runs.length - runsPassed,
      transfers: transfers.length,
      transfersByStatus,
    },
  };
}
