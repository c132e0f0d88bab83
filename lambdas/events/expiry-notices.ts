import { systemClock, type Clock } from '../domain/key-store';
import { lifecycleDetailType, type LifecycleEvent, type LifecyclePublisher } from './lifecycle-event';

/** Who "made" a notice: no person, this service's daily run. */
export const EXPIRY_NOTICE_ACTOR = 'user-api-keys:expiry';
/** PutEvents takes at most ten entries per call. */
export const NOTICE_BATCH_SIZE = 10;
/** Each entry EventBridge refuses is offered this many times in all before the run fails. */
export const NOTICE_PUBLISH_ATTEMPTS = 3;

const DAY_SECONDS = 86_400;

/**
 * The keys a run notices, by UTC day: those whose `expiresAt` (epoch seconds) falls on the run's UTC day (`today`)
 * or one of the N days after it, and is still ahead of the run's instant. So the window is the same whenever in its
 * day a run happens (a late schedule, a retry hours later), except that a key which expired earlier today drops out.
 */
export interface NoticeWindow {
  /** The run's UTC day, YYYY-MM-DD: the day of every notice's `eventId`, and the day `daysLeft` counts from. */
  readonly today: string;
  /** The run's instant, epoch seconds, exclusive: a key expired at or before it (even earlier today) is no news. */
  readonly after: number;
  /** 00:00:00 UTC of day today + N + 1, epoch seconds, exclusive: a key expiring at 23:59:59 of today + N is in. */
  readonly before: number;
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

/** The UTC day number of an epoch-seconds instant: days since 1970-01-01 (epoch time has no leap seconds). */
const dayNumber = (epochSeconds: number): number => Math.floor(epochSeconds / DAY_SECONDS);

/** The UTC day of `at`, YYYY-MM-DD. */
const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

/**
 * The window of a run at `now`: the whole UTC days from `now`'s (today) to today + `days`, less what has expired
 * by `now`.
 */
export function noticeWindow(now: Date, days: number): NoticeWindow {
  const after = now.getTime() / 1000;
  return { today: utcDay(now), after, before: (dayNumber(after) + days + 1) * DAY_SECONDS };
}

/** Active (not revoked, disabled or rotated), not expired at the run's instant, and expiring in the window's days. */
export const isNoticeable = (key: IndexedKey, window: NoticeWindow): boolean =>
  key.expiresAt > window.after &&
  key.expiresAt < window.before &&
  key.revokedAt === undefined &&
  key.disabledAt === undefined &&
  key.replacedBy === undefined;

/**
 * Whole UTC days from `now`'s day to the day of `expiresAt`, whatever the time on either: 0 for a key that expires
 * later today, 1 for one that expires tomorrow at any hour. So on successive days' runs a key counts down N, ..., 1, 0
 * (0 only when that day's run comes before the expiry), each value once, however early or late in its day each run is.
 */
export const daysLeft = (expiresAt: number, now: Date): number => dayNumber(expiresAt) - dayNumber(now.getTime() / 1000);

/**
 * One key's notice. Its `eventId` is the key and the run's UTC day, and its `details` (`expiresAt`, `daysLeft`
 * counted in UTC days from that day, `name`) depend on that day only, so every run of one day (Lambda's retries,
 * an operator's re-invocation) repeats the same id with the same details: a consumer dedupes on it. Only `at`, the
 * run's instant, differs between them. `name` is there for the owner's email; a key's name is not secret, and
 * nothing else of the key is sent.
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
 * The daily notice: one `Key expiring` event per active key that expires, and has not yet, on the run's UTC day or
 * one of the `noticeDays` days after it (noticeWindow).
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
