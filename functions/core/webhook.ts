/** Posting JSON to a partner or chat webhook, shared by notifications, harness alerts and the chat bot. */

/** How long a webhook may take to answer before the post counts as failed. */
const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * POSTs `body` as JSON and returns the HTTP status; fails on a network error or after
 * 10 s. The answer's body is discarded unread, which also frees its connection at once.
 */
export async function postJson(
  url: string,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): Promise<{ readonly status: number; readonly ok: boolean }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
  });
  await response.body?.cancel();
  return { status: response.status, ok: response.ok };
}

/** A webhook URL as logged or reported: no credentials, no query string (tokens often ride there). */
export function redactedUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}
