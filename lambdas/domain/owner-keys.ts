import type { StoredKey } from './api-key';
import { isExpired } from './api-key';
import { auditEvent, type AuditEventType, type Caller } from './audit-event';
import type { KeyPolicy } from './key-policy';
import type { Clock, KeySummary, KeyStore } from './key-store';
import { systemClock } from './key-store';

/** Keys are read through the owner index this many at a time. */
const PAGE_SIZE = 100;

export interface OwnerKeysOptions {
  readonly store: KeyStore;
  readonly policy: Pick<KeyPolicy, 'auditRetentionDays' | 'revokedRetentionDays'>;
  readonly clock?: Clock | undefined;
}

/** Which of the owner's keys a bulk change applies to; `createdBefore` keeps a re-created user's new keys out of an old event's reach. */
export interface BulkScope {
  readonly createdBefore?: Date | undefined;
  /** What goes into each audit event's details beside the type (e.g. the Auth0 event's id). */
  readonly details?: Readonly<Record<string, string>> | undefined;
}

/**
 * Changes to all of one owner's keys at once, for support staff (the admin
 * routes) and for Auth0's reports (owner-lifecycle.ts). Each key is changed
 * on its own, with its own audit event naming `actor`, exactly as its owner's
 * own change would be, so a bulk change that stops half way (a deadline, a
 * fault) is finished by running it again: keys already changed are skipped.
 * One key after another: every change also updates the owner item, and
 * parallel transactions on one item would only conflict.
 */
export class OwnerKeys {
  private readonly store: KeyStore;
  private readonly policy: OwnerKeysOptions['policy'];
  private readonly clock: Clock;

  constructor(options: OwnerKeysOptions) {
    this.store = options.store;
    this.policy = options.policy;
    this.clock = options.clock ?? systemClock;
  }

  /** Revokes every key of the owner that is not revoked or expired; answers how many it revoked. */
  async revokeAll(ownerId: string, actor: Caller, scope: BulkScope = {}): Promise<number> {
    let revoked = 0;
    for await (const key of this.keysOf(ownerId, scope)) {
      const now = this.clock();
      if (key.revokedAt !== undefined || isExpired(key.expiresAt, now)) continue;
      const event = this.event(actor, key, 'revoke', now, scope);
      const purgeAt = Math.floor(now.getTime() / 1000) + this.policy.revokedRetentionDays * 86_400;
      const result = await this.store.revokeKey(ownerId, key.keyId, now, event, purgeAt);
      if (result.outcome === 'written') revoked += 1;
    }
    return revoked;
  }

  /** Pauses every live key the owner has not paused, marked as paused by `actor` (so enableAll finds them again). */
  async disableAll(ownerId: string, actor: Caller, scope: BulkScope = {}): Promise<number> {
    let disabled = 0;
    for await (const key of this.keysOf(ownerId, scope)) {
      const now = this.clock();
      if (key.revokedAt !== undefined || key.disabledAt !== undefined || isExpired(key.expiresAt, now)) continue;
      const result = await this.store.updateKey({
        ownerId,
        keyId: key.keyId,
        expected: { name: key.name, disabled: false },
        disabledAt: now.toISOString(),
        disabledBy: actor.sub,
        events: [this.event(actor, key, 'disable', now, scope)],
      });
      // A conflict: the key changed since it was listed (renamed, paused, revoked); a run again judges it afresh.
      if (result.outcome === 'written') disabled += 1;
    }
    return disabled;
  }

  /** Re-enables the keys `pausedBy` paused (never those the owner paused); answers how many. */
  async enableAll(ownerId: string, actor: Caller, pausedBy: string, scope: BulkScope = {}): Promise<number> {
    let enabled = 0;
    for await (const key of this.keysOf(ownerId, scope)) {
      const now = this.clock();
      if (key.revokedAt !== undefined || key.disabledAt === undefined || isExpired(key.expiresAt, now)) continue;
      // The listing does not say who paused a key (not in the index); the write's condition does.
      const result = await this.store.updateKey({
        ownerId,
        keyId: key.keyId,
        expected: { name: key.name, disabled: true },
        expectedDisabledBy: pausedBy,
        disabledAt: null,
        events: [this.event(actor, key, 'enable', now, scope)],
      });
      if (result.outcome === 'written') enabled += 1;
    }
    return enabled;
  }

  private async *keysOf(ownerId: string, scope: BulkScope): AsyncGenerator<KeySummary> {
    let cursor: string | undefined;
    do {
      const page = await this.store.listKeys(ownerId, { limit: PAGE_SIZE, cursor });
      for (const key of page.keys) {
        if (scope.createdBefore === undefined || Date.parse(key.createdAt) < scope.createdBefore.getTime()) yield key;
      }
      cursor = page.nextCursor;
    } while (cursor !== undefined);
  }

  private event(actor: Caller, key: Pick<StoredKey, 'keyId' | 'ownerId'>, type: AuditEventType, at: Date, scope: BulkScope) {
    return auditEvent(actor, key, type, at, this.policy.auditRetentionDays, scope.details);
  }
}
