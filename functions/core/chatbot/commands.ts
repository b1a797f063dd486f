/**
 * The bot's commands, typed, and the two ways they arrive: a Slack slash
 * command (`application/x-www-form-urlencoded`) and a Teams outgoing-webhook
 * message (JSON whose text starts with an `<at>` mention). Both become the
 * same {@link ChatRequest}; everything after this module is platform-free.
 */
import { z } from 'zod';

/** Windows `/transfer-alert-summary` accepts. */
export const ALERT_SUMMARY_WINDOWS = { '24h': 24, '7d': 7 * 24 } as const;
/** One of {@link ALERT_SUMMARY_WINDOWS}. */
export type AlertSummaryWindow = keyof typeof ALERT_SUMMARY_WINDOWS;

/** A command the bot understands. */
export type ChatCommand =
  | { readonly kind: 'status'; readonly fileName: string }
  | { readonly kind: 'notifications'; readonly customerId: string }
  | { readonly kind: 'failed-notifications' }
  | { readonly kind: 'retry'; readonly fileName: string }
  | { readonly kind: 'alert-summary'; readonly window: AlertSummaryWindow };

/** A command that only reads: every one but the retry. */
export type ReadCommand = Exclude<ChatCommand, { readonly kind: 'retry' }>;

/** Who asked, as the platform identifies them. */
export interface ChatActor {
  readonly platform: 'slack' | 'teams';
  readonly userId: string;
  readonly userName?: string;
  readonly channelId: string;
}

/** A verified request, parsed. */
export interface ChatRequest {
  readonly actor: ChatActor;
  /** The command as typed, for the audit log. */
  readonly text: string;
  readonly command: ChatCommand;
  /** Slack: where a deferred answer is posted. Teams has none: its answers are always immediate. */
  readonly responseUrl?: string;
}

/** Thrown when a command is unknown or its argument is missing or malformed; the message is the help text. */
export class CommandUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandUsageError';
  }
}

/** How each command is typed, for the help text. */
export const COMMAND_USAGE: readonly string[] = [
  '/transfer-status <file name>',
  '/transfer-notifications <customer>',
  '/transfer-failed-notifications',
  '/transfer-retry <file name | customer/file name>',
  '/transfer-alert-summary [24h|7d]',
];

const ARGUMENT = /^\S{1,1024}$/;

/** Parses `/transfer-…` (the slash is optional) and its argument text. */
export function parseCommand(name: string, text: string): ChatCommand {
  const command = name.trim().replace(/^\//, '');
  const args = text.trim().split(/\s+/).filter(Boolean);
  const one = (what: string): string => {
    if (args.length !== 1 || !ARGUMENT.test(args[0]!)) {
      throw new CommandUsageError(`/${command} needs exactly one ${what}`);
    }
    return args[0]!;
  };
  const none = (): void => {
    if (args.length > 0) throw new CommandUsageError(`/${command} takes no argument`);
  };
  switch (command) {
    case 'transfer-status':
      return { kind: 'status', fileName: one('file name') };
    case 'transfer-notifications':
      return { kind: 'notifications', customerId: one('customer id') };
    case 'transfer-failed-notifications':
      none();
      return { kind: 'failed-notifications' };
    case 'transfer-retry':
      return { kind: 'retry', fileName: one('file name') };
    case 'transfer-alert-summary': {
      const window = args[0] ?? '24h';
      if (args.length > 1 || !Object.hasOwn(ALERT_SUMMARY_WINDOWS, window)) {
        throw new CommandUsageError('/transfer-alert-summary takes 24h (the default) or 7d');
      }
      return { kind: 'alert-summary', window: window as AlertSummaryWindow };
    }
    default:
      throw new CommandUsageError(`unknown command "/${command}"; the commands are:\n${COMMAND_USAGE.join('\n')}`);
  }
}

/** The fields of a Slack slash-command payload the bot reads. */
const slashCommandSchema = z.looseObject({
  command: z.string().min(2),
  text: z.string().default(''),
  user_id: z.string().min(1),
  user_name: z.string().optional(),
  channel_id: z.string().min(1),
  response_url: z.url({ protocol: /^https?$/ }),
});

/** Parses a slash-command body; throws a {@link CommandUsageError} naming what is missing. */
export function parseSlackCommand(rawBody: Buffer): ChatRequest {
  const form = Object.fromEntries(new URLSearchParams(rawBody.toString('utf8')));
  const parsed = slashCommandSchema.safeParse(form);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.')))];
    throw new CommandUsageError(`not a slash command: missing or malformed ${fields.join(', ')}`);
  }
  const payload = parsed.data;
  return {
    actor: { platform: 'slack', userId: payload.user_id, userName: payload.user_name, channelId: payload.channel_id },
    text: `${payload.command} ${payload.text}`.trim(),
    command: parseCommand(payload.command, payload.text),
    responseUrl: payload.response_url,
  };
}

/** The fields of a Teams outgoing-webhook activity the bot reads. */
const teamsActivitySchema = z.looseObject({
  type: z.literal('message'),
  text: z.string(),
  from: z.looseObject({ id: z.string().min(1), name: z.string().optional(), aadObjectId: z.string().optional() }),
  conversation: z.looseObject({ id: z.string().min(1) }),
  channelData: z.looseObject({ channel: z.looseObject({ id: z.string().min(1) }).optional() }).optional(),
});

/** Parses a Teams message `@Bot transfer-status x.csv`; throws a {@link CommandUsageError} when it is none. */
export function parseTeamsMessage(rawBody: Buffer): ChatRequest {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new CommandUsageError('not a Teams message: the body is not JSON');
  }
  const parsed = teamsActivitySchema.safeParse(json);
  if (!parsed.success) throw new CommandUsageError('not a Teams message activity');
  const activity = parsed.data;
  const text = plainText(activity.text);
  const [name = '', ...rest] = text.split(/\s+/);
  return {
    actor: {
      platform: 'teams',
      userId: activity.from.aadObjectId ?? activity.from.id,
      userName: activity.from.name,
      channelId: activity.channelData?.channel?.id ?? activity.conversation.id,
    },
    text,
    command: parseCommand(name, rest.join(' ')),
  };
}

/** The message text without the bot's `<at>` mention, other markup and HTML entities. */
function plainText(html: string): string {
  return html
    .replace(/<at>.*?<\/at>/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .trim();
}
