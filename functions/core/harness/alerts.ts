/**
 * The aggregated alert of a run, per channel: the harness's own SNS topic always hears of
 * every failing flow; each channel a flow names (`alerts.channels`) gets one alert listing
 * the failing flows that named it — an SNS topic, or a webhook whose URL lives in Secrets
 * Manager, in the payload shape of Slack, Teams, Jira or ServiceNow. A channel that cannot
 * be reached is reported in the step's output, never thrown: the other channels still hear.
 */
import { z } from 'zod';
import type { AlertChannel } from '../flows/schema';
import { resolveSecret } from '../secrets';
import { postJson, redactedUrl } from '../webhook';
import type { HarnessDeps } from './deps';

/** What one alert says, before it is shaped for a channel. */
export interface AlertMessage {
  readonly subject: string;
  /** Plain text, one failing flow a line. */
  readonly text: string;
  /** The run's batch id, for correlation (ServiceNow `correlation_id`). */
  readonly batchId: string;
}

/** How one channel's delivery went. */
export interface ChannelDelivery {
  /** `sns <topic ARN>` or `webhook <format> <URL without query or credentials>`. */
  readonly channel: string;
  readonly flows: number;
  readonly status: 'SENT' | 'FAILED';
  readonly detail?: string;
}

/** A webhook secret: a bare URL, or JSON with the URL, headers and (Jira) the project. */
const WebhookSecret = z.union([
  z.url().transform((url) => ({ url, headers: {} as Record<string, string> })),
  z.object({
    url: z.url(),
    headers: z.record(z.string(), z.string()).default({}),
    project_key: z.string().min(1).optional(),
    issue_type: z.string().min(1).default('Bug'),
  }),
]);
type WebhookSecret = z.infer<typeof WebhookSecret>;

/** The JSON body a webhook of `format` expects for `alert`. */
export function webhookBody(
  format: Extract<AlertChannel, { format: string }>['format'],
  alert: AlertMessage,
  secret: WebhookSecret,
): unknown {
  switch (format) {
    case 'slack':
      return { text: `*${alert.subject}*\n${alert.text}` };
    case 'teams':
      return {
        type: 'message',
        attachments: [
          {
            contentType: 'application/vnd.microsoft.card.adaptive',
            content: {
              $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
              type: 'AdaptiveCard',
              version: '1.4',
              body: [
                { type: 'TextBlock', text: alert.subject, weight: 'Bolder', size: 'Medium', wrap: true },
                { type: 'TextBlock', text: alert.text, wrap: true },
              ],
            },
          },
        ],
      };
    case 'jira': {
      const projectKey = 'project_key' in secret ? secret.project_key : undefined;
      if (!projectKey) throw new Error('a Jira webhook secret needs "project_key" (JSON secret)');
      return {
        fields: {
          project: { key: projectKey },
          issuetype: { name: 'issue_type' in secret ? secret.issue_type : 'Bug' },
          summary: alert.subject,
          description: alert.text,
          labels: ['fileflow-flow-test'],
        },
      };
    }
    case 'servicenow':
      return {
        short_description: alert.subject,
        description: alert.text,
        category: 'software',
        impact: '2',
        urgency: '2',
        correlation_id: alert.batchId,
      };
  }
}

async function readSecret(deps: HarnessDeps, secretArn: string): Promise<WebhookSecret> {
  if (!deps.secretsManager) throw new Error('no Secrets Manager client here to read the webhook secret');
  const raw = (await resolveSecret({ secretArn }, { secretsManager: deps.secretsManager })).trim();
  return WebhookSecret.parse(raw.startsWith('{') ? JSON.parse(raw) : raw);
}

/** Sends `alert` to one channel; resolves to how it went, never rejects. */
export async function deliverToChannel(
  channel: AlertChannel,
  alert: AlertMessage,
  flows: number,
  deps: HarnessDeps,
): Promise<ChannelDelivery> {
  if ('sns_topic_arn' in channel) {
    const name = `sns ${channel.sns_topic_arn}`;
    try {
      await deps.publishAlert(alert.subject, alert.text, channel.sns_topic_arn);
      return { channel: name, flows, status: 'SENT' };
    } catch (error) {
      return { channel: name, flows, status: 'FAILED', detail: (error as Error).message.slice(0, 500) };
    }
  }
  let name = `webhook ${channel.format} ${channel.webhook_secret_arn}`;
  try {
    const secret = await readSecret(deps, channel.webhook_secret_arn);
    name = `webhook ${channel.format} ${redactedUrl(secret.url)}`;
    const response = await postJson(secret.url, webhookBody(channel.format, alert, secret), secret.headers);
    if (response.ok) return { channel: name, flows, status: 'SENT' };
    return { channel: name, flows, status: 'FAILED', detail: `HTTP ${response.status}` };
  } catch (error) {
    return { channel: name, flows, status: 'FAILED', detail: (error as Error).message.slice(0, 500) };
  }
}
