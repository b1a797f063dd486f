/**
 * Who may talk to the bot: every request is authenticated by its signature
 * before anything in it is read.
 *
 * - Slack signs `v0:<X-Slack-Request-Timestamp>:<raw body>` with the app's
 *   signing secret (HMAC-SHA256, hex) into `X-Slack-Signature: v0=<hex>`.
 *   A request older or newer than five minutes is refused (a captured request
 *   cannot be sent again later), and a signature already seen inside the
 *   window is refused as a replay.
 * - A Teams outgoing webhook signs the raw body with the base64-decoded
 *   security token (HMAC-SHA256, base64) into `Authorization: HMAC <base64>`.
 *   Teams sends no timestamp, so only the replay memory applies.
 *
 * Replay memory: {@link ReplayGuard} remembers signatures for the window, in
 * the process that verified them. On AWS a replay that reaches another Lambda
 * container is not caught by it; that is accepted because the window bounds
 * the exposure to five minutes, the signed body cannot be altered, read
 * commands only repeat an answer to the original channel's `response_url`,
 * and `/transfer-retry` is idempotent — a failure resolved once is never
 * re-driven by a second, identical request (see `retry.ts`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack's window around a request's timestamp. */
export const SLACK_SIGNATURE_WINDOW_SECONDS = 300;

/** Why a request was refused; the HTTP answer is the same 401 for every reason, the log says which. */
export type SignatureFailure = 'missing-headers' | 'stale' | 'forged' | 'replayed';

/** Thrown when a request's signature does not prove it came from Slack or Teams. */
export class SignatureError extends Error {
  constructor(
    readonly reason: SignatureFailure,
    message: string,
  ) {
    super(message);
    this.name = 'SignatureError';
  }
}

/** Request headers with lower-case names (Lambda function URLs and node:http both lower-case them). */
export type RequestHeaders = Readonly<Record<string, string | undefined>>;

/**
 * Signatures seen recently, each forgotten once its request falls out of the
 * window. Bounded by what Slack can send in five minutes.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();

  /** `true` the first time a signature is offered before `expiresAtMs`; `false` for a replay. */
  remember(signature: string, nowMs: number, expiresAtMs: number): boolean {
    for (const [known, expiry] of this.seen) if (expiry <= nowMs) this.seen.delete(known);
    if (this.seen.has(signature)) return false;
    this.seen.set(signature, expiresAtMs);
    return true;
  }
}

/** `v0=<hex>`: the signature Slack sends for `body` at `timestamp` (seconds). */
export function slackSignature(signingSecret: string, timestamp: string, body: string | Buffer): string {
  const hmac = createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(body);
  return `v0=${hmac.digest('hex')}`;
}

/** What {@link verifySlackRequest} checks. */
export interface SlackRequestToVerify {
  readonly headers: RequestHeaders;
  readonly rawBody: Buffer;
  readonly signingSecret: string;
  readonly now: Date;
  readonly replayGuard: ReplayGuard;
}

/** Throws a {@link SignatureError} unless the request carries a fresh, valid, unseen Slack signature. */
export function verifySlackRequest(request: SlackRequestToVerify): void {
  const timestamp = request.headers['x-slack-request-timestamp'];
  const signature = request.headers['x-slack-signature'];
  if (!timestamp || !signature) {
    throw new SignatureError('missing-headers', 'X-Slack-Signature and X-Slack-Request-Timestamp are required');
  }
  if (!/^\d{1,12}$/.test(timestamp)) throw new SignatureError('forged', 'X-Slack-Request-Timestamp is not a number');
  const nowSeconds = Math.floor(request.now.getTime() / 1000);
  if (Math.abs(nowSeconds - Number(timestamp)) > SLACK_SIGNATURE_WINDOW_SECONDS) {
    throw new SignatureError('stale', `request timestamp ${timestamp} is outside the five-minute window`);
  }
  if (!sameText(slackSignature(request.signingSecret, timestamp, request.rawBody), signature)) {
    throw new SignatureError('forged', 'X-Slack-Signature does not match the body');
  }
  const expiresAtMs = (Number(timestamp) + SLACK_SIGNATURE_WINDOW_SECONDS) * 1000;
  if (!request.replayGuard.remember(signature, request.now.getTime(), expiresAtMs + 1000)) {
    throw new SignatureError('replayed', 'this signed request was already received');
  }
}

/** `HMAC <base64>`: the Authorization value a Teams outgoing webhook sends for `body`. */
export function teamsSignature(securityToken: string, body: string | Buffer): string {
  const key = Buffer.from(securityToken, 'base64');
  return `HMAC ${createHmac('sha256', key).update(body).digest('base64')}`;
}

/** What {@link verifyTeamsRequest} checks. */
export interface TeamsRequestToVerify {
  readonly headers: RequestHeaders;
  readonly rawBody: Buffer;
  /** The outgoing webhook's security token, base64 as Teams shows it. */
  readonly securityToken: string;
  readonly now: Date;
  readonly replayGuard: ReplayGuard;
}

/** How long a Teams signature is remembered: Teams sends no timestamp, so the Slack window is reused. */
const TEAMS_REPLAY_MEMORY_MS = SLACK_SIGNATURE_WINDOW_SECONDS * 1000;

/** Throws a {@link SignatureError} unless the request carries a valid, unseen Teams HMAC. */
export function verifyTeamsRequest(request: TeamsRequestToVerify): void {
  const authorization = request.headers.authorization;
  if (!authorization) throw new SignatureError('missing-headers', 'Authorization: HMAC … is required');
  if (!sameText(teamsSignature(request.securityToken, request.rawBody), authorization)) {
    throw new SignatureError('forged', 'the Authorization HMAC does not match the body');
  }
  const nowMs = request.now.getTime();
  if (!request.replayGuard.remember(authorization, nowMs, nowMs + TEAMS_REPLAY_MEMORY_MS)) {
    throw new SignatureError('replayed', 'this signed request was already received');
  }
}

/** Constant-time comparison; different lengths differ without comparing bytes. */
function sameText(expected: string, actual: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(actual);
  return a.length === b.length && timingSafeEqual(a, b);
}
