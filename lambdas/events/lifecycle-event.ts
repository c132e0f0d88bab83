import type { AuditEventType } from '../domain/audit-event';

/** The `source` of every event this project puts on EventBridge: what an operator's rule matches first. */
export const LIFECYCLE_EVENT_SOURCE = 'user-api-keys';

/** An audit event's type, or the daily notice that an active key expires soon (lambdas/events/expiry-notices.ts). */
export type LifecycleEventType = AuditEventType | 'key.expiring';

/**
 * What an event says, and all it says: never a secret, a hash, an address or a user agent.
 * `details` are the audit event's own (a rename's `from` and `to`, a leak's `url` and `source`...).
 */
export interface LifecycleDetail {
  readonly keyId: string;
  readonly ownerId: string;
  readonly type: LifecycleEventType;
  /** The `sub` that made the change, `auth0:user.deleted` and the like for Auth0's reports, `github:secret-scanning`, `user-api-keys:expiry`. */
  readonly actor: string;
  /** ISO-8601: when the change was made (for `key.expiring`, when the notice was made). */
  readonly at: string;
  readonly details: Readonly<Record<string, string>>;
  /**
   * Stable across redeliveries of the same change (its audit event's item key, or the notice's key and day):
   * delivery is at least once, so a consumer that must act once dedupes on it.
   */
  readonly eventId: string;
}

/** One EventBridge entry: `detail-type` is `Key <type>` (`Key expiring` for the notice). */
export interface LifecycleEvent {
  readonly detailType: string;
  readonly detail: LifecycleDetail;
}

/** The `detail-type` of an event of this type. */
export const lifecycleDetailType = (type: LifecycleEventType): string => (type === 'key.expiring' ? 'Key expiring' : `Key ${type}`);

export interface PublishOutcome {
  /** The positions (in the list given) of the events EventBridge did not take; empty when all were published. */
  readonly failed: readonly number[];
}

/**
 * Where lifecycle events go: EventBridge deployed (lambdas/events/eventbridge-publisher.ts), a log line or an
 * NDJSON file under `npm start`. A fault reaching the bus at all rejects; events refused one by one are `failed`.
 */
export interface LifecyclePublisher {
  publish(events: readonly LifecycleEvent[]): Promise<PublishOutcome>;
}
