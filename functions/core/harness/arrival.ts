/** InvokeTransfer, PollTarget and Validate: starting the transfer and judging what arrived. */
import { createHash } from 'node:crypto';
import { ChecksumMismatchError, classifyError, NotFoundError } from '../errors';
import { flowTargets, type Flow } from '../flows/schema';
import { flowEndpoint, nowOf, type HarnessDeps } from './deps';
import {
  LatencySloMissedError,
  SizeMismatchError,
  TriggerUnavailableError,
  type Arrival,
  type PollState,
  type StagedFile,
  type TransferStarted,
} from './model';

/** First wait between polls, and the cap the back-off doubles up to. */
export const POLL_BACKOFF = { firstSeconds: 2, maxSeconds: 60 } as const;

/**
 * InvokeTransfer: `event` flows were triggered by seeding (the clock starts then);
 * `invoke` calls the transfer Lambda asynchronously; `pull` asks the pipeline's poller.
 * The deadline is the SLO: a file not there by then is a TIMEOUT.
 */
export async function invokeTransfer(flow: Flow, seededAt: string, deps: HarnessDeps): Promise<TransferStarted> {
  const trigger = flow.transfer;
  let triggeredAt = new Date(seededAt);
  if (trigger.mode === 'invoke') {
    if (!deps.invokeTransfer) throw new TriggerUnavailableError(`no Lambda invoker here for ${trigger.function_name}`);
    triggeredAt = nowOf(deps);
    await deps.invokeTransfer(trigger.function_name, trigger.payload);
  } else if (trigger.mode === 'pull') {
    if (!deps.requestPull) throw new TriggerUnavailableError(`no pipeline poller here for ${trigger.workflow_id}`);
    triggeredAt = nowOf(deps);
    await deps.requestPull(trigger.workflow_id);
  }
  const deadline = new Date(triggeredAt.getTime() + flow.validation.expect_within_seconds * 1000);
  return { mode: trigger.mode, triggered_at: triggeredAt.toISOString(), deadline: deadline.toISOString() };
}

/**
 * PollTarget: ONE stat of every file at every target not yet seen (no sleeping here: the
 * workflow's Wait state does the waiting), then the next back-off, capped so the last
 * wait ends at the deadline.
 */
export async function pollTarget(
  flow: Flow,
  files: readonly StagedFile[],
  transfer: TransferStarted,
  previous: PollState,
  deps: HarnessDeps,
): Promise<PollState> {
  const targets = flowTargets(flow);
  const seen = new Map(previous.arrivals.map((a) => [`${a.file}/${a.target}`, a.arrived_at]));
  const arrivals: Arrival[] = [];
  for (const [file, staged] of files.entries()) {
    for (const [target, endpoint] of targets.entries()) {
      let arrivedAt = seen.get(`${file}/${target}`) ?? null;
      if (arrivedAt === null) {
        try {
          await flowEndpoint(endpoint, staged.name, deps).stat();
          arrivedAt = nowOf(deps).toISOString();
        } catch (error) {
          if (!(classifyError(error) instanceof NotFoundError)) throw classifyError(error);
        }
      }
      arrivals.push({ file, target, arrived_at: arrivedAt });
    }
  }
  const now = nowOf(deps);
  const attempt = previous.attempt + 1;
  const untilDeadline = Math.ceil((new Date(transfer.deadline).getTime() - now.getTime()) / 1000);
  const backoff = Math.min(POLL_BACKOFF.firstSeconds * 2 ** (attempt - 1), POLL_BACKOFF.maxSeconds);
  return {
    attempt,
    arrivals,
    checked_at: now.toISOString(),
    all_arrived: arrivals.every((a) => a.arrived_at !== null),
    next_wait_seconds: Math.max(1, Math.min(backoff, untilDeadline)),
    post_arrival_wait_seconds: flow.validation.post_arrival_wait_seconds,
  };
}

/** One file at one target, as Validate found it. */
export interface TargetCheck {
  readonly target: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly latency_seconds: number;
}

/**
 * Validate: streams each arrived file once (SHA-256 and size on the way), then compares
 * with the manifest: size within `size_tolerance_bytes`, digest equal (unless `NONE`),
 * arrival within `expect_within_seconds` of the trigger.
 */
export async function validate(
  flow: Flow,
  files: readonly StagedFile[],
  transfer: TransferStarted,
  arrivals: readonly Arrival[],
  deps: HarnessDeps,
): Promise<{ checks: TargetCheck[]; bytes: number; latency_seconds: number }> {
  const targets = flowTargets(flow);
  const { size_tolerance_bytes: tolerance, checksum, expect_within_seconds: slo } = flow.validation;
  const checks: TargetCheck[] = [];
  for (const arrival of arrivals) {
    const staged = files[arrival.file]!;
    const endpoint = flowEndpoint(targets[arrival.target]!, staged.name, deps);
    const hash = createHash('sha256');
    let bytes = 0;
    try {
      for await (const chunk of (await endpoint.openRead()).body) {
        hash.update(chunk as Buffer);
        bytes += (chunk as Buffer).length;
      }
    } catch (error) {
      throw classifyError(error);
    }
    const sha256 = hash.digest('hex');
    if (Math.abs(bytes - staged.bytes) > tolerance) {
      throw new SizeMismatchError(
        `${endpoint.uri}: ${bytes} bytes arrived, ${staged.bytes} sent (tolerance ${tolerance})`,
      );
    }
    if (checksum === 'SHA256' && sha256 !== staged.sha256) {
      throw new ChecksumMismatchError(`${endpoint.uri}: SHA-256 ${sha256} arrived, ${staged.sha256} sent`);
    }
    const latency = (new Date(arrival.arrived_at!).getTime() - new Date(transfer.triggered_at).getTime()) / 1000;
    if (latency > slo) {
      throw new LatencySloMissedError(`${endpoint.uri}: arrived after ${latency.toFixed(1)} s, SLO ${slo} s`);
    }
    checks.push({ target: endpoint.uri, bytes, sha256, latency_seconds: latency });
  }
  return {
    checks,
    bytes: checks.reduce((sum, check) => sum + check.bytes, 0),
    latency_seconds: Math.max(0, ...checks.map((check) => check.latency_seconds)),
  };
}
