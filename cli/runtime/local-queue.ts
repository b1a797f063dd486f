/**
 * An in-memory queue with the SQS semantics the transfer pipeline relies on,
 * so the local runtime exercises the same failure paths as AWS:
 * - at-least-once: a received message stays in the queue, invisible, until it
 *   is deleted; if its consumer does not delete it within the visibility
 *   timeout, it becomes visible again and is delivered again;
 * - redrive: a message received more than `maxReceiveCount` times moves to the
 *   dead-letter queue on its next receive, as SQS's redrive policy does.
 *
 * Bodies are strings, as in SQS: whatever parses them must cope with garbage.
 */
import { randomUUID } from 'node:crypto';

/** One delivery of a message. */
export interface ReceivedMessage {
  readonly messageId: string;
  readonly body: string;
  /** Deliveries so far, this one included (SQS's `ApproximateReceiveCount`). */
  readonly receiveCount: number;
  /** Identifies this delivery; deleting with an older delivery's handle does nothing, as in SQS. */
  readonly receiptHandle: string;
}

/** A message in the dead-letter queue, with why it got there. */
export interface DeadLetter {
  readonly messageId: string;
  readonly body: string;
  readonly receiveCount: number;
  /** The error of the last failed delivery, if the consumer reported one. */
  readonly lastError?: string;
  readonly deadLetteredAt: string;
}

/** Options of {@link LocalQueue}. */
export interface LocalQueueOptions {
  /** How long a received message stays invisible. @default 30_000 ms (SQS's default) */
  readonly visibilityTimeoutMs?: number;
  /** Receives after which the next receive dead-letters the message. @default 3 */
  readonly maxReceiveCount?: number;
  /** Clock for visibility; tests may replace it. @default Date.now */
  readonly now?: () => number;
}

interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  receiveCount: number;
  visibleAt: number;
  receiptHandle?: string;
  lastError?: string;
}

/** The queue between the local event bus and the local pipe. */
export class LocalQueue {
  private readonly messages: StoredMessage[] = [];
  private readonly deadLetters: DeadLetter[] = [];
  private readonly visibilityTimeoutMs: number;
  private readonly maxReceiveCount: number;
  private readonly now: () => number;

  constructor(options: LocalQueueOptions = {}) {
    this.visibilityTimeoutMs = options.visibilityTimeoutMs ?? 30_000;
    this.maxReceiveCount = options.maxReceiveCount ?? 3;
    this.now = options.now ?? Date.now;
  }

  /** Enqueues a message and returns its id. */
  send(body: string): string {
    const messageId = randomUUID();
    this.messages.push({ messageId, body, receiveCount: 0, visibleAt: this.now() });
    return messageId;
  }

  /**
   * Up to `max` visible messages, oldest first, each hidden for the visibility
   * timeout. Messages over their receive limit go to the dead-letter queue instead.
   */
  receive(max = 1): ReceivedMessage[] {
    const now = this.now();
    const received: ReceivedMessage[] = [];
    for (const message of [...this.messages]) {
      if (received.length >= max) break;
      if (message.visibleAt > now) continue;
      if (message.receiveCount >= this.maxReceiveCount) {
        this.deadLetter(message);
        continue;
      }
      message.receiveCount += 1;
      message.visibleAt = now + this.visibilityTimeoutMs;
      message.receiptHandle = randomUUID();
      received.push({
        messageId: message.messageId,
        body: message.body,
        receiveCount: message.receiveCount,
        receiptHandle: message.receiptHandle,
      });
    }
    return received;
  }

  /** Removes the message of this delivery; `false` when the handle is stale (the message was redelivered or is gone). */
  delete(receiptHandle: string): boolean {
    const index = this.messages.findIndex((message) => message.receiptHandle === receiptHandle);
    if (index < 0) return false;
    this.messages.splice(index, 1);
    return true;
  }

  /**
   * Gives up on this delivery: the message becomes visible again after `delayMs`
   * (SQS's ChangeMessageVisibility), remembering the error for the dead-letter record.
   */
  release(receiptHandle: string, error: string, delayMs = 0): void {
    const message = this.messages.find((m) => m.receiptHandle === receiptHandle);
    if (!message) return;
    message.visibleAt = this.now() + delayMs;
    message.lastError = error;
  }

  /** Messages not yet deleted or dead-lettered, visible or in flight. */
  get depth(): number {
    return this.messages.length;
  }

  /** Milliseconds until the next message becomes visible; `undefined` when the queue is empty. */
  nextVisibleInMs(): number | undefined {
    if (this.messages.length === 0) return undefined;
    return Math.max(0, Math.min(...this.messages.map((m) => m.visibleAt)) - this.now());
  }

  /** The dead-letter queue, oldest first. */
  get deadLettered(): readonly DeadLetter[] {
    return this.deadLetters;
  }

  private deadLetter(message: StoredMessage): void {
    this.messages.splice(this.messages.indexOf(message), 1);
    this.deadLetters.push({
      messageId: message.messageId,
      body: message.body,
      receiveCount: message.receiveCount,
      ...(message.lastError !== undefined ? { lastError: message.lastError } : {}),
      deadLetteredAt: new Date(this.now()).toISOString(),
    });
  }
}
