import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AppLogger } from '../observability/logger';
import {
  LIFECYCLE_EVENT_SOURCE,
  type LifecycleDetail,
  type LifecycleEvent,
  type LifecyclePublisher,
  type PublishOutcome,
} from './lifecycle-event';

/** An event as an EventBridge rule's target would see its main fields (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html). */
export interface LifecycleEnvelope {
  readonly source: string;
  readonly 'detail-type': string;
  /** EventBridge's `time`: whole seconds, `2026-01-02T03:04:05Z`. */
  readonly time: string;
  readonly detail: LifecycleDetail;
}

export function lifecycleEnvelope(event: LifecycleEvent): LifecycleEnvelope {
  return {
    source: LIFECYCLE_EVENT_SOURCE,
    'detail-type': event.detailType,
    time: new Date(event.detail.at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    detail: event.detail,
  };
}

/** Under `npm start` without EVENTS_FILE: each event as one log line, the logger's (JSON) or a writer's. */
export class LogLinePublisher implements LifecyclePublisher {
  constructor(private readonly out: { readonly logger: Pick<AppLogger, 'info'> } | { readonly write: (line: string) => void }) {}

  publish(events: readonly LifecycleEvent[]): Promise<PublishOutcome> {
    for (const event of events) {
      const envelope = lifecycleEnvelope(event);
      if ('logger' in this.out) this.out.logger.info('lifecycle event', { event: envelope });
      else this.out.write(`lifecycle event ${JSON.stringify(envelope)}`);
    }
    return Promise.resolve({ failed: [] });
  }
}

/**
 * EVENTS_FILE: each event appended as one JSON line (NDJSON), for a developer's own consumer to tail. One
 * append per call, so a call's lines land together; a failed write rejects (the stream retries the batch).
 */
export class NdjsonFilePublisher implements LifecyclePublisher {
  private folderMade = false;

  constructor(private readonly file: string) {}

  async publish(events: readonly LifecycleEvent[]): Promise<PublishOutcome> {
    if (events.length === 0) return { failed: [] };
    if (!this.folderMade) {
      await mkdir(dirname(this.file), { recursive: true });
      this.folderMade = true;
    }
    await appendFile(this.file, events.map((event) => `${JSON.stringify(lifecycleEnvelope(event))}\n`).join(''), 'utf8');
    return { failed: [] };
  }
}
