import { systemClock, type Clock } from '../domain/key-store';
import { lifecycleDetailType, type LifecycleEvent, type LifecyclePublisher } from './lifecycle-event';

/** Who "made" a notice: no person, this service's daily run. */
export const EXPIRY_NOTICE_ACTOR = 'user-api-keys:expiry';
/** PutEvents takes at most ten entries per call. */
export const NOTICE_BATCH_SIZE = 10;
/** Each entry EventBridge refuses is offered this many times in all before the run fails. */
export const NOTICE_PUBLISH_ATTEMPTS = 3;

const DAY_SECONDS = 86_400;

/** The keys a run notices: those whose `expiresAt` (epoch seconds) is in (`after`, `until`]. */
export interface NoticeWindow {
  readonly after: number;
  readonly until: number;
}

/** A key as the expiry index holds it: what a notice says and what tells whether it is active, never its hash. */
export interface IndexedKey {
  readonly keyId: string;
  readonly ownerId: string;
  readonly name: string;
  readonly expiresAt: number;
  readonly revokedAt?: string | undefined;
  readonly disabledAt?: string | undefined;
  readonly replacedBy?: string | undefined;
}

/** Where a run finds the keys (lambdas/store/expiring-keys.ts reads the expiry index, never the whole table). */
export interface ExpiringKeySource {
  /** The active keys that expire in the window. */
  expiringKeys(window: NoticeWindow): Promise<readonly IndexedKey[]>;
}

export interface ExpiryNoticeSummary {
  /** The notice window, in days (EXPIRY_NOTICE_DAYS). */
  readonly days: number;
  /** The keys noticed: one event each. */
  readonly keys: number;
  /** The events EventBridge took. */
  readonly published: number;
}

/** A run whose events EventBridge kept refusing: thrown, so Lambda retries the run and, in the end, its dead-letter queue alarms. */
export class ExpiryNoticeDeliveryError extends Error {
  override readonly name = 'ExpiryNoticeDeliveryError';

  constructor(
    readonly undelivered: number,
    readonly published: number,
  ) {
    super(`EventBridge refused ${undelivered} expiry notices ${NOTICE_PUBLISH_ATTEMPTS} times (${published} published before them)`);
  }
}

/** The window of a run at `now`: from now (exclusive: an expired key is no news) to `days` days later (inclusive). */
export function noticeWindow(now: Date, days: number): NoticeWindow {
  const after = now.getTime() / 1000;
  return { after, until: after + days * DAY_SECONDS };
}

/** Active (not revoked, disabled or rotated) and expiring in the window. */
export const isNoticeable = (key: IndexedKey, window: NoticeWindow): boolean =>
  key.expiresAt > window.after &&
  key.expiresAt <= window.until &&
  key.revokedAt === undefined &&
  key.disabledAt === undefined &&
  key.replacedBy === undefined;

/** Whole days left, rounded up: a key expiring in 36 hours has 2, one expiring in a second has 1. */
export const daysLeft = (expiresAt: number, now: Date): number => Math.ceil((expiresAt - now.getTime() / 1000) / DAY_SECONDS);

/** The UTC day of `at`, YYYY-MM-DD. */
const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

/**
 * One key's notice. Its `eventId` is the key and the run's UTC day, so every run of one day (Lambda's retries,
 * an operator's re-invocation) repeats the same id: a consumer dedupes on it. `name` is there for the owner's
 * email; a key's name is not secret, and nothing else of the key is sent.
 */
export function expiryNotice(key: IndexedKey, now: Date): LifecycleEvent {
  return {
    detailType: lifecycleDetailType('key.expiring'),
    detail: {
      keyId: key.keyId,
      ownerId: key.ownerId,
      type: 'key.expiring',
      actor: EXPIRY_NOTICE_ACTOR,
      at: now.toISOString(),
      details: {
        expiresAt: new Date(key.expiresAt * 1000).toISOString(),
        daysLeft: String(daysLeft(key.expiresAt, now)),
        name: key.name,
      },
      eventId: `expiring#${key.keyId}#${utcDay(now)}`,
    },
  };
}

export interface ExpiryNoticesOptions {
  readonly source: ExpiringKeySource;
  readonly publisher: LifecyclePublisher;
  /** EXPIRY_NOTICE_DAYS. */
  readonly noticeDays: number;
  readonly clock?: Clock | undefined;
  /** The pause before offering refused entries again (tests pass one that does not wait). */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** Full jitter, doubling from 200 ms: EventBridge refuses entries one by one mostly when throttled. */
const retryPauseMs = (attempt: number): number => Math.random() * 200 * 2 ** attempt;

/**
 * The daily notice: one `Key expiring` event per active key that expires within `noticeDays`.
 *
 * Delivery is at least once: a run that fails part-way (an entry refused every time, a fault) is run again whole
 * by Lambda's retries, so notices already published are published again, with the same `eventId` on the same day.
 */
export class ExpiryNotices {
  private readonly clock: Clock;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: ExpiryNoticesOptions) {
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? realSleep;
  }

  async run(): Promise<ExpiryNoticeSummary> {
    const now = this.clock();
    const window = noticeWindow(now, this.options.noticeDays);
    // The source's answer is checked again: a key that is not active, or not in the window, is never noticed.
    const keys = new Map<string, IndexedKey>();
    for (const key of await this.options.source.expiringKeys(window)) {
      if (isNoticeable(key, window)) keys.set(key.keyId, key);
    }
    const events = [...keys.values()].map((key) => expiryNotice(key, now));
    let published = 0;
    for (let start = 0; start < events.length; start += NOTICE_BATCH_SIZE) {
      const batch = events.slice(start, start + NOTICE_BATCH_SIZE);
      const undelivered = await this.publishBatch(batch);
      published += batch.length - undelivered;
      // Stop at the first batch EventBridge keeps refusing: the retried run starts over anyway.
      if (undelivered > 0) throw new ExpiryNoticeDeliveryError(undelivered, published);
    }
    return { days: this.options.noticeDays, keys: events.length, published };
  }

  /** Publishes a batch, offering refused entries again; answers how many were still refused at the end. */
  private async publishBatch(batch: readonly LifecycleEvent[]): Promise<number> {
    let pending = batch;
    for (let attempt = 1; ; attempt += 1) {
      const { failed } = await this.options.publisher.publish(pending);
      pending = [...new Set(failed)].flatMap((position) => pending[position] ?? []);
      if (pending.length === 0 || attempt >= NOTICE_PUBLISH_ATTEMPTS) return pending.length;
      await this.sleep(retryPauseMs(attempt));
    }
  }
}
