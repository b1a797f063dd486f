/**
 * What the bot says, once, as data — then rendered for each platform: Slack
 * Block Kit for slash commands and `response_url` posts, an Adaptive Card in
 * a message for Teams. Every value from the tracking tables is user data and
 * is escaped for Slack's mrkdwn; Adaptive Card TextBlocks take plain text.
 */

/** A label and its value. */
export interface ReplyField {
  readonly label: string;
  readonly value: string;
}

/** One block of an answer: a line of text and/or a set of fields. */
export interface ReplySection {
  readonly text?: string;
  readonly fields?: readonly ReplyField[];
}

/** An answer of the bot, platform-free. */
export interface Reply {
  readonly title: string;
  readonly sections: readonly ReplySection[];
  /** Small print under the answer (counts, windows, where the data comes from). */
  readonly note?: string;
}

/** Slack allows at most ten fields per section block. */
const SLACK_FIELDS_PER_SECTION = 10;

/** A Slack message body: for the immediate HTTP answer and for `response_url` posts. */
export interface SlackMessage {
  readonly response_type: 'ephemeral' | 'in_channel';
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
  readonly replace_original?: boolean;
}

/** Renders a reply as Block Kit, only visible to the person who asked. */
export function slackMessage(reply: Reply): SlackMessage {
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: reply.title.slice(0, 150), emoji: true } },
  ];
  for (const section of reply.sections) {
    const fields = section.fields ?? [];
    for (let i = 0; i === 0 || i < fields.length; i += SLACK_FIELDS_PER_SECTION) {
      const block: Record<string, unknown> = { type: 'section' };
      if (i === 0 && section.text !== undefined) block.text = { type: 'mrkdwn', text: escapeMrkdwn(section.text) };
      const chunk = fields.slice(i, i + SLACK_FIELDS_PER_SECTION);
      if (chunk.length > 0) {
        block.fields = chunk.map((field) => ({
          type: 'mrkdwn',
          text: `*${escapeMrkdwn(field.label)}*\n${escapeMrkdwn(field.value)}`,
        }));
      }
      if (block.text !== undefined || block.fields !== undefined) blocks.push(block);
    }
  }
  if (reply.note !== undefined) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(reply.note) }] });
  }
  return { response_type: 'ephemeral', text: reply.title, blocks };
}

/** The Teams outgoing-webhook answer: a message carrying one Adaptive Card. */
export function teamsMessage(reply: Reply): Record<string, unknown> {
  const body: Record<string, unknown>[] = [
    { type: 'TextBlock', text: reply.title, weight: 'Bolder', size: 'Medium', wrap: true },
  ];
  for (const section of reply.sections) {
    if (section.text !== undefined) body.push({ type: 'TextBlock', text: section.text, wrap: true });
    if (section.fields !== undefined && section.fields.length > 0) {
      body.push({ type: 'FactSet', facts: section.fields.map((f) => ({ title: f.label, value: f.value })) });
    }
  }
  if (reply.note !== undefined) body.push({ type: 'TextBlock', text: reply.note, isSubtle: true, wrap: true });
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        content: {
          type: 'AdaptiveCard',
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          version: '1.4',
          body,
        },
      },
    ],
  };
}

/** Slack's three control characters in mrkdwn; everything else, `*` and `_` included, is shown as typed. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The answer when a command failed: the error's name only; the details go to the log. */
export function errorReply(error: unknown): Reply {
  return {
    title: 'Something went wrong',
    sections: [{ text: `The bot could not answer (${(error as Error)?.name ?? 'Error'}); the bot's log has details.` }],
  };
}
