/**
 * Captures the CloudWatch Embedded Metric Format documents Powertools Metrics writes while
 * `run` executes. Powertools writes to the global console when `POWERTOOLS_DEV` is set,
 * and publishes in that mode only when `POWERTOOLS_METRICS_DISABLED` is explicitly false.
 */
import sinon from 'sinon';

/** One EMF document as CloudWatch reads it from a log line. */
export interface EmfDocument {
  readonly _aws: {
    readonly CloudWatchMetrics: {
      readonly Namespace: string;
      readonly Dimensions: string[][];
      readonly Metrics: { Name: string; Unit: string }[];
    }[];
  };
  readonly [field: string]: unknown;
}

/** Runs `run` (which must create its Metrics instances inside) and returns the EMF documents it logged. */
export function emittedEmf(run: () => void): EmfDocument[] {
  const capture = startCapture();
  try {
    run();
    return capture.documents();
  } finally {
    capture.stop();
  }
}

/** {@link emittedEmf} for an asynchronous `run`, such as a Lambda handler imported and invoked inside it. */
export async function emittedEmfAsync(run: () => Promise<void>): Promise<EmfDocument[]> {
  const capture = startCapture();
  try {
    await run();
    return capture.documents();
  } finally {
    capture.stop();
  }
}

function startCapture(): { documents(): EmfDocument[]; stop(): void } {
  const previous = {
    POWERTOOLS_DEV: process.env.POWERTOOLS_DEV,
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED,
  };
  process.env.POWERTOOLS_DEV = 'true';
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  const log = sinon.stub(console, 'log');
  return {
    documents: () =>
      log.getCalls().flatMap((call) => {
        const line = call.args[0];
        if (typeof line !== 'string' || !line.includes('"_aws"')) return [];
        return [JSON.parse(line) as EmfDocument];
      }),
    stop: () => {
      log.restore();
      for (const [name, value] of Object.entries(previous)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    },
  };
}
