/**
 * The results report as one self-contained HTML page: Chart.js's UMD bundle is
 * inlined, the data travels in a JSON block, and a Content-Security-Policy that
 * admits only those exact scripts (by hash) and nothing from the network means
 * the page fetches nothing when it is opened. Every value from the data (flow
 * ids, file names, error messages) is escaped; canvases get generated ids.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TRANSFER_STATUSES, type TransferStatus } from '../tracking/records';
import type { FlowDay, ReportModel } from './model';

/**
 * Chart.js's browser (UMD) build, without its source-map comment so that no
 * developer tool ever asks for the map. `chart.js` does not export the file,
 * so it is found next to the package's entry.
 */
export async function loadChartLibrary(): Promise<string> {
  const file = join(dirname(require.resolve('chart.js')), 'chart.umd.min.js');
  return (await readFile(file, 'utf8')).replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
}

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** JSON that cannot end the `<script>` element it sits in. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function sha256Source(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** Colours of the transfer statuses, the same in the charts and the legend swatches. */
const STATUS_COLOURS: Readonly<Record<TransferStatus, string>> = {
  SUCCESS: '#2e7d32',
  FAILED: '#c62828',
  IN_PROGRESS: '#f9a825',
  PENDING: '#90a4ae',
};

const STYLE = `
:root { color-scheme: light; --ink: #1f2933; --muted: #616e7c; --line: #e4e7eb; --pass: #2e7d32; --fail: #c62828; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); background: #f5f7fa; }
header { background: #102a43; color: #fff; padding: 20px 32px; }
header h1 { margin: 0; font-size: 22px; font-weight: 600; }
header p { margin: 4px 0 0; color: #bcccdc; }
main { padding: 24px 32px 48px; max-width: 1400px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin-bottom: 20px; }
h2 { font-size: 17px; margin: 0 0 4px; }
.note { color: var(--muted); margin: 0 0 12px; }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 20px; }
.tile { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 18px; min-width: 170px; }
.tile b { display: block; font-size: 24px; }
.tile span { color: var(--muted); }
.tile.bad b { color: var(--fail); }
.tile.good b { color: var(--pass); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
td.mono, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; }
td.message { max-width: 520px; overflow-wrap: anywhere; }
.grid td, .grid th { text-align: center; white-space: nowrap; }
.grid td.flow, .grid th.flow { text-align: left; }
.grid td.cell { font-weight: 600; border: 2px solid #fff; border-radius: 4px; }
.grid td.PASS { background: #e3f4e4; color: var(--pass); }
.grid td.FAIL { background: #fde2e1; color: var(--fail); }
.grid td.NONE { background: #f5f7fa; color: #9aa5b1; font-weight: 400; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 16px; }
.chart { height: 280px; position: relative; border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
.code { display: inline-block; padding: 1px 6px; border-radius: 4px; background: #fde2e1; color: var(--fail); font-weight: 600; font-size: 12px; }
.empty { text-align: center; padding: 48px 20px; }
.empty h2 { font-size: 20px; }
`;

/** The page script: draws one chart per flow (latency) and per customer (transfers) from the JSON block. */
const CHARTS_SCRIPT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
  Chart.defaults.color = '#3e4c59';
  function title(text) { return { display: true, text: text, font: { size: 14, weight: '600' } }; }
  var legend = { position: 'bottom', labels: { usePointStyle: true, pointStyle: 'line', boxWidth: 28 } };
  function axis(text, extra) {
    var scale = { title: { display: true, text: text }, grid: { color: '#eef1f4' } };
    for (var key in extra) scale[key] = extra[key];
    return scale;
  }
  data.latency.forEach(function (flow) {
    var datasets = [
      { label: 'p50', data: flow.p50, borderColor: '#2f80ed', backgroundColor: '#2f80ed', spanGaps: true, pointRadius: 3 },
      { label: 'p95', data: flow.p95, borderColor: '#9b51e0', backgroundColor: '#9b51e0', spanGaps: true, pointRadius: 3 }
    ];
    if (flow.slo !== null) {
      datasets.push({
        label: 'SLO ' + flow.slo + ' s', data: data.days.map(function () { return flow.slo; }),
        borderColor: '#c62828', backgroundColor: '#c62828', borderDash: [6, 4], borderWidth: 2, pointRadius: 0, pointHoverRadius: 0
      });
    }
    new Chart(document.getElementById(flow.canvas), {
      type: 'line',
      data: { labels: data.days, datasets: datasets },
      options: {
        plugins: { title: title(flow.flowId), legend: legend },
        // Headroom above the SLO, so its line never sits on the chart's top edge.
        scales: { x: axis('day (UTC)'), y: axis('end-to-end latency (s)', { beginAtZero: true, suggestedMax: flow.slo === null ? undefined : flow.slo * 1.15 }) }
      }
    });
  });
  data.transfers.forEach(function (customer) {
    new Chart(document.getElementById(customer.canvas), {
      type: 'bar',
      data: {
        labels: data.days,
        datasets: data.statuses.map(function (status) {
          return { label: status, data: customer.counts[status], backgroundColor: data.colours[status], stack: 'files' };
        })
      },
      options: {
        plugins: { title: title(customer.customerId), legend: { position: 'bottom' } },
        scales: {
          x: axis('day (UTC)', { stacked: true }),
          y: axis('files', { stacked: true, beginAtZero: true, ticks: { precision: 0 } })
        }
      }
    });
  });
})();
`;

/** What the page script reads from the JSON block. */
interface ChartData {
  readonly days: readonly string[];
  readonly statuses: readonly TransferStatus[];
  readonly colours: Readonly<Record<TransferStatus, string>>;
  readonly latency: readonly {
    canvas: string;
    flowId: string;
    slo: number | null;
    p50: (number | null)[];
    p95: (number | null)[];
  }[];
  readonly transfers: readonly { canvas: string; customerId: string; counts: Record<TransferStatus, number[]> }[];
}

function chartData(model: ReportModel): ChartData {
  const round = (value: number | null) => (value === null ? null : Math.round(value * 100) / 100);
  return {
    days: model.days,
    statuses: TRANSFER_STATUSES,
    colours: STATUS_COLOURS,
    latency: model.flows
      .filter((flow) => flow.hasLatency)
      .map((flow, i) => ({
        canvas: `latency-${i}`,
        flowId: flow.flowId,
        slo: flow.sloSeconds,
        p50: flow.days.map((day) => round(day.p50Seconds)),
        p95: flow.days.map((day) => round(day.p95Seconds)),
      })),
    transfers: model.customers.map((customer, i) => ({
      canvas: `transfers-${i}`,
      customerId: customer.customerId,
      counts: Object.fromEntries(
        TRANSFER_STATUSES.map((status) => [status, customer.days.map((day) => day.counts[status])]),
      ) as Record<TransferStatus, number[]>,
    })),
  };
}

function shortDay(date: string): string {
  const weekday = new Date(`${date}T00:00:00Z`).toLocaleDateString('en-GB', { weekday: 'short', timeZone: 'UTC' });
  return `${weekday} ${date.slice(5)}`;
}

function gridCell(day: FlowDay): string {
  if (day.verdict === 'NONE') return `<td class="cell NONE" title="${escapeHtml(`${day.date}: did not run`)}">–</td>`;
  const mark = day.verdict === 'PASS' ? '✓' : '✗';
  const tip = `${day.date}: ${day.passed} of ${day.runs} run(s) met their expectation`;
  return `<td class="cell ${day.verdict}" title="${escapeHtml(tip)}">${mark} ${day.passed}/${day.runs}</td>`;
}

function passFailSection(model: ReportModel): string {
  if (model.flows.length === 0) {
    return `<section><h2>Flow tests by day</h2><p class="note">No flow-test results in this range.</p></section>`;
  }
  const head = model.days.map((date) => `<th title="${escapeHtml(date)}">${escapeHtml(shortDay(date))}</th>`).join('');
  const rows = model.flows
    .map((flow) => `<tr><td class="flow mono">${escapeHtml(flow.flowId)}</td>${flow.days.map(gridCell).join('')}</tr>`)
    .join('\n');
  return `<section id="pass-fail">
<h2>Flow tests by day</h2>
<p class="note">✓ every run met its expectation (negative flows pass when they fail for the expected reason) · ✗ at least one did not · – no run. Cells show runs passed / runs.</p>
<table class="grid"><thead><tr><th class="flow">flow</th>${head}</tr></thead>
<tbody>
${rows}
</tbody></table>
</section>`;
}

function latencySection(model: ReportModel, data: ChartData): string {
  if (model.flows.length === 0) return '';
  const without = model.flows.filter((flow) => !flow.hasLatency).map((flow) => flow.flowId);
  const charts = data.latency
    .map(
      (flow) =>
        `<div class="chart"><canvas id="${flow.canvas}" role="img" aria-label="${escapeHtml(`latency of ${flow.flowId}`)}"></canvas></div>`,
    )
    .join('\n');
  const note = without.length
    ? `<p class="note">No latency measured (no file arrived) for: ${without.map((id) => `<span class="mono">${escapeHtml(id)}</span>`).join(', ')}.</p>`
    : '';
  return `<section id="latency">
<h2>End-to-end latency per flow</h2>
<p class="note">Seconds from seeding the source to the file's arrival at the target: p50 and p95 of the day's runs; the dashed line is the flow's SLO (<span class="mono">validation.expect_within_seconds</span>).</p>
${charts ? `<div class="charts">\n${charts}\n</div>` : ''}
${note}
</section>`;
}

function runFailuresSection(model: ReportModel): string {
  if (model.flows.length === 0) return '';
  if (model.runFailures.length === 0) {
    return `<section id="run-failures"><h2>Flow-test failures</h2><p class="note">Every run met its expectation.</p></section>`;
  }
  const rows = model.runFailures
    .map(
      (failure) => `<tr>
<td>${escapeHtml(failure.date)}</td>
<td class="mono">${escapeHtml(failure.flowId)}</td>
<td>${escapeHtml(failure.step ?? '')}</td>
<td><span class="code">${escapeHtml(failure.reason ?? '')}</span></td>
<td>${escapeHtml(failure.expected)}</td>
<td class="mono">${escapeHtml(failure.runId)}</td>
<td class="message">${escapeHtml(failure.message ?? '')}</td>
</tr>`,
    )
    .join('\n');
  return `<section id="run-failures">
<h2>Flow-test failures</h2>
<p class="note">Runs whose outcome differed from the flow's <span class="mono">expect</span>, newest first; the run id names <span class="mono">results/dt=…/flow_id=…/run_id=…/run.json</span>.</p>
<table><thead><tr><th>date</th><th>flow</th><th>step</th><th>reason</th><th>expected</th><th>run id</th><th>message</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</section>`;
}

function transfersSection(model: ReportModel, data: ChartData): string {
  if (model.customers.length === 0) {
    return `<section id="transfers"><h2>Transfers per customer</h2><p class="note">No transfers in this range.</p></section>`;
  }
  const charts = data.transfers
    .map(
      (customer) =>
        `<div class="chart"><canvas id="${customer.canvas}" role="img" aria-label="${escapeHtml(`transfers of ${customer.customerId}`)}"></canvas></div>`,
    )
    .join('\n');
  const rows = model.transferFailures
    .map(
      (failure) => `<tr>
<td>${escapeHtml(failure.date)}</td>
<td class="mono">${escapeHtml(failure.customerId)}</td>
<td class="mono">${escapeHtml(failure.fileName)}</td>
<td class="mono">${escapeHtml(failure.workflowId)}</td>
<td><span class="code">${escapeHtml(failure.reasonCode)}</span></td>
<td>${escapeHtml(failure.retryCount)}</td>
<td class="message">${escapeHtml(failure.message)}</td>
</tr>`,
    )
    .join('\n');
  const failures = rows
    ? `<p class="note">Each file's latest outcome on its day; re-drive one with <span class="mono">fileflow redrive &lt;customer&gt;/&lt;file&gt;</span>.</p>
<table id="transfer-failures"><thead><tr><th>date</th><th>customer</th><th>file</th><th>workflow</th><th>reason</th><th>retries</th><th>message</th></tr></thead>
<tbody>
${rows}
</tbody></table>`
    : '<p class="note">No transfer failed in this range.</p>';
  return `<section id="transfers">
<h2>Transfers per customer</h2>
<p class="note">Files per day by their latest status (customer file index).</p>
<div class="charts">
${charts}
</div>
</section>
<section id="transfer-failures-section">
<h2>Failed transfers</h2>
${failures}
</section>`;
}

function tiles(model: ReportModel): string {
  const { totals } = model;
  const tile = (value: number, label: string, tone = '') =>
    `<div class="tile ${tone}"><b>${escapeHtml(value)}</b><span>${escapeHtml(label)}</span></div>`;
  return `<div class="tiles">
${tile(model.flows.length, 'flows tested')}
${tile(totals.runs, 'flow-test runs')}
${tile(totals.runsPassed, 'runs passed', 'good')}
${tile(totals.runsFailed, 'runs failed', totals.runsFailed > 0 ? 'bad' : '')}
${tile(totals.transfers, 'transfers')}
${tile(totals.transfersByStatus.FAILED, 'transfers failed', totals.transfersByStatus.FAILED > 0 ? 'bad' : '')}
</div>`;
}

/**
 * The report page. `chartLibrary` is the source of Chart.js's UMD build
 * ({@link loadChartLibrary}); a range with no data renders a page that says so
 * and carries no script at all.
 */
export function renderReport(model: ReportModel, chartLibrary: string): string {
  const empty = model.totals.runs === 0 && model.totals.transfers === 0;
  const data = chartData(model);
  const range = model.range.from === model.range.to ? model.range.from : `${model.range.from} – ${model.range.to}`;
  const scripts = empty ? [] : [chartLibrary, CHARTS_SCRIPT];
  const policy = [
    "default-src 'none'",
    `script-src ${scripts.length ? scripts.map(sha256Source).join(' ') : "'none'"}`,
    `style-src ${sha256Source(STYLE)}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const body = empty
    ? `<section class="empty" id="no-data"><h2>No data</h2><p class="note">No flow-test results and no transfers between ${escapeHtml(model.range.from)} and ${escapeHtml(model.range.to)} (UTC).</p></section>`
    : [
        tiles(model),
        passFailSection(model),
        latencySection(model, data),
        runFailuresSection(model),
        transfersSection(model, data),
      ].join('\n');
  const scriptTags = empty
    ? ''
    : `<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script>${chartLibrary}</script>
<script>${CHARTS_SCRIPT}</script>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(policy)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fileflow results ${escapeHtml(range)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>fileflow results</h1><p>${escapeHtml(range)} (UTC) · generated ${escapeHtml(model.generatedAt)}</p></header>
<main>
${body}
</main>
${scriptTags}
</body>
</html>
`;
}
