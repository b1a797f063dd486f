import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { buildReportModel } from '../../functions/core/report/model';
import { escapeHtml, loadChartLibrary, renderReport } from '../../functions/core/report/render';
import { failedRun, runRecord, transfer } from './fixtures';

const RANGE = { from: '2025-06-26', to: '2025-06-28' };
const NOW = new Date('2025-06-28T08:00:00Z');
const HOSTILE = '<img src=x onerror=alert(1)>"\'&';

/** The text of every inline `<script>` element without a `type`, in order. */
function inlineScripts(html: string): string[] {
  return [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((match) => match[1]!);
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

describe('Report page', () => {
  let chartLibrary: string;
  before(async () => {
    chartLibrary = await loadChartLibrary();
  });

  it('GIVEN the installed chart library WHEN it is loaded THEN it is the browser build, without a source-map reference that would be fetched', () => {
    expect(chartLibrary).to.contain('window.Chart=');
    expect(chartLibrary).to.not.contain('sourceMappingURL');
  });

  describe('GIVEN runs and transfers whose ids, messages and file names hold HTML', () => {
    let html: string;
    before(() => {
      const model = buildReportModel({
        range: RANGE,
        generatedAt: NOW,
        runs: [
          runRecord('s3-to-s3', '2025-06-27'),
          failedRun('s3-to-s3', '2025-06-28', { reason_detail: `</script><script>alert(1)</script>${HOSTILE}` }),
        ],
        transfers: [
          transfer('acme', `${HOSTILE}.csv`, '2025-06-27', 'FAILED', {
            reasonCode: 'ACCESS_DENIED',
            errorMessage: `ACCESS_DENIED: ${HOSTILE}`,
          }),
        ],
      });
      html = renderReport(model, chartLibrary);
    });

    it('WHEN the page is rendered THEN every such value appears escaped and no markup from the data survives', () => {
      expect(html).to.contain(escapeHtml(HOSTILE));
      expect(html).to.not.contain('<img');
      expect(html).to.not.contain('<script>alert(1)');
      expect(inlineScripts(html)).to.have.length(2);
    });

    it('WHEN the page is rendered THEN its Content-Security-Policy admits exactly its two scripts and its style, and nothing from the network', () => {
      const policy = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/
        .exec(html)![1]!
        .replace(/&#39;/g, "'");
      const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
      expect(policy).to.contain("default-src 'none'");
      expect(policy).to.contain(`script-src ${inlineScripts(html).map(sha256).join(' ')};`);
      expect(policy).to.contain(`style-src ${sha256(style)};`);
      expect(policy).to.not.match(/https?:|'unsafe-/);
    });

    it('WHEN the page is rendered THEN the chart data block cannot close its script element', () => {
      const data = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
      expect(data).to.not.contain('<');
      expect(JSON.parse(data)).to.have.property('days').that.deep.equals(['2025-06-26', '2025-06-27', '2025-06-28']);
    });
  });

  it('GIVEN a range with neither runs nor transfers WHEN the page is rendered THEN it says there is no data and carries no script and no chart', () => {
    const html = renderReport(
      buildReportModel({ range: RANGE, generatedAt: NOW, runs: [], transfers: [] }),
      chartLibrary,
    );
    expect(html).to.contain('id="no-data"');
    expect(html).to.contain('No flow-test results and no transfers between 2025-06-26 and 2025-06-28');
    expect(html).to.not.contain('<script');
    expect(html).to.not.contain('<canvas');
    expect(html).to.contain("script-src 'none'".replace(/'/g, '&#39;'));
  });

  it('GIVEN only transfers WHEN the page is rendered THEN the flow-test sections say there are no results and the transfer charts are drawn', () => {
    const html = renderReport(
      buildReportModel({
        range: RANGE,
        generatedAt: NOW,
        runs: [],
        transfers: [transfer('acme', 'a.csv', '2025-06-27', 'SUCCESS')],
      }),
      chartLibrary,
    );
    expect(html).to.contain('No flow-test results in this range.');
    expect(html).to.contain('<canvas id="transfers-0"');
    expect(html).to.not.contain('id="latency-');
    expect(html).to.contain('No transfer failed in this range.');
  });
});
