import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { AppLogger } from '../observability/logger';
import { sdkClientConfig, worstCaseMs, type CallTimeouts } from '../runtime/call-timeouts';
import { LIFECYCLE_EVENT_SOURCE, type LifecycleEvent, type LifecyclePublisher, type PublishOutcome } from './lifecycle-event';

/** PutEvents takes 1 to 10 entries (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html). */
export const PUT_EVENTS_MAX_ENTRIES = 10;
/**
 * "The total entry size must be less than 256KB", counted as the UTF-8 bytes of Source, DetailType and Detail,
 * plus 14 for a Time (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html).
 */
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;
const TIME_BYTES = 14;

/**
 * One PutEvents call, all attempts included (worstCaseMs: 12 s). The stream handler stops before a call that
 * could outlast the function (lambdas/handlers/lifecycle-events.ts), so the batch size does not have to fit.
 */
export const EVENTBRIDGE_TIMEOUTS: CallTimeouts = { connectionTimeoutMs: 1000, requestTimeoutMs: 2000, maxAttempts: 3 };
export const PUT_EVENTS_WORST_CASE_MS = worstCaseMs(EVENTBRIDGE_TIMEOUTS);

/** Built once per process and reused by every invocation. */
export const createEventBridgeClient = (timeouts: CallTimeouts = EVENTBRIDGE_TIMEOUTS): EventBridgeClient =>
  new EventBridgeClient(sdkClientConfig(timeouts));

export interface EventBridgePublisherOptions {
  readonly client: EventBridgeClient;
  /** EVENT_BUS_NAME: a name or an ARN; undefined, the account's `default` bus. */
  readonly eventBusName?: string | undefined;
  /** Told of each entry EventBridge refuses (its error code, never the event). */
  readonly logger?: Pick<AppLogger, 'warn'> | undefined;
}

/**
 * Each event as one entry, in order, ten (and under 256 KB) to a call. EventBridge takes or refuses entries
 * one by one, answering a response entry per request entry, in order, an `ErrorCode` on each refused one
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevents.html): those are `failed`. After a
 * call with a refusal nothing more is sent and the rest is `failed` too: whoever retries starts from the first
 * failure, so sending on would only deliver twice. A fault (the call itself failing, after the SDK's retries)
 * rejects.
 */
export class EventBridgePublisher implements LifecyclePublisher {
  constructor(private readonly options: EventBridgePublisherOptions) {}

  async publish(events: readonly LifecycleEvent[]): Promise<PublishOutcome> {
    const entries = events.map((event) => this.entry(event));
    let start = 0;
    while (start < entries.length) {
      const end = chunkEnd(entries, start);
      if (end === start) return this.refuse(entries, start, 'EntryTooLarge');
      const refused = await this.send(entries.slice(start, end), start);
      if (refused.length > 0) return { failed: [...refused, ...range(end, entries.length)] };
      start = end;
    }
    return { failed: [] };
  }

  private entry(event: LifecycleEvent): PutEventsRequestEntry {
    return {
      Source: LIFECYCLE_EVENT_SOURCE,
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
      // When the change was made, not when it reached the bus (a retry can be hours later).
      Time: new Date(event.detail.at),
      // Resources are AWS resources' ARNs (API_PutEventsRequestEntry): a key is none.
      ...(this.options.eventBusName !== undefined ? { EventBusName: this.options.eventBusName } : {}),
    };
  }

  /** Positions (from `offset`) of the refused entries. */
  private async send(batch: PutEventsRequestEntry[], offset: number): Promise<number[]> {
    // Each response entry is read, not FailedEntryCount alone: a missing one is no proof the event was taken.
    const { Entries } = await this.options.client.send(new PutEventsCommand({ Entries: batch }));
    return batch.flatMap((entry, index) => {
      const result = Entries?.[index];
      if (result !== undefined && result.ErrorCode === undefined && result.EventId !== undefined) return [];
      this.options.logger?.warn('EventBridge refused an event', {
        position: offset + index,
        detailType: entry.DetailType,
        errorCode: result?.ErrorCode ?? 'NoResultEntry',
      });
      return [offset + index];
    });
  }

  /** An entry too large for any request is refused here, as EventBridge would refuse it: with it, the rest. */
  private refuse(entries: readonly PutEventsRequestEntry[], start: number, errorCode: string): PublishOutcome {
    this.options.logger?.warn('EventBridge refused an event', { position: start, detailType: entries[start]?.DetailType, errorCode });
    return { failed: range(start, entries.length) };
  }
}

const utf8Bytes = (text: string | undefined): number => (text === undefined ? 0 : Buffer.byteLength(text, 'utf8'));
const entryBytes = (entry: PutEventsRequestEntry): number =>
  (entry.Time !== undefined ? TIME_BYTES : 0) + utf8Bytes(entry.Source) + utf8Bytes(entry.DetailType) + utf8Bytes(entry.Detail);

/** The end of the chunk that starts at `start`: at most ten entries, together under the size limit. */
function chunkEnd(entries: readonly PutEventsRequestEntry[], start: number): number {
  let end = start;
  let bytes = 0;
  for (const entry of entries.slice(start, start + PUT_EVENTS_MAX_ENTRIES)) {
    bytes += entryBytes(entry);
    if (bytes >= PUT_EVENTS_MAX_BYTES) break;
    end += 1;
  }
  return end;
}

const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
