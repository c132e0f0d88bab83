import type { StoredKey } from './api-key';
import { isExpired } from './api-key';
import { auditEvent, type AuditEventType, type Caller } from './audit-event';
import { KeyStateConflictError } from './errors';
import { revokedPurgeAt, type KeyPolicy } from './key-policy';
import type { Clock, KeyStore, UpdateResult } from './key-store';
import { systemClock } from './key-store';

/** Keys are read through the owner index this many at a time. */
const PAGE_SIZE = 100;
/** A revoke or pause runs again while its last pass still found keys to change, at most this many passes. */
const MAX_PASSES = 3;
/** A key that keeps changing under a bulk change is read and tried again this many times, then the run fails (to be retried). */
const KEY_ATTEMPTS = 3;

/** What Auth0 has reported about a key owner (its Event Stream, through POST /auth0/events). */
export interface Auth0UserStatus {
  readonly blocked: boolean;
  /** The latest deletion, ISO-8601; absent when none was reported. */
  readonly deletedAt?: string;
}

export interface OwnerKeysOptions {
  readonly store: KeyStore;
  readonly policy: Pick<KeyPolicy, 'auditRetentionDays' | 'revokedRetentionDays'>;
  readonly clock?: Clock | undefined;
}

export interface BulkScope {
  /** What goes into each audit event's details beside the type (e.g. the Auth0 event's id). */
  readonly details?: Readonly<Record<string, string>> | undefined;
  /** For Auth0's reports: each change holds only while this report (its time) is still the last applied. */
  readonly asOfOwnerStatusAtMs?: number | undefined;
}

/** `revokes`: which keys a revoke-all takes (a deletion: those made with tokens from before it); default all. */
export interface RevokeScope extends BulkScope {
  readonly revokes?: ((key: StoredKey) => boolean) | undefined;
}

/** A bulk pause or resume: how many keys it changed, or that a newer report about the owner stopped it. */
export type BulkOutcome = { readonly kind: 'done'; readonly keys: number } | { readonly kind: 'superseded' };

/**
 * Changes to all of one owner's keys at once, for support staff (the admin
 * routes) and for Auth0's reports (owner-lifecycle.ts). Each key is changed
 * on its own, with its own audit event naming `actor`, exactly as its owner's
 * own change would be, so a bulk change that stops half way (a deadline, a
 * fault) is finished by running it again: keys already changed are skipped.
 * Each key is judged on a consistent read (the owner index, which lists them,
 * lags), and one that changed since is read and judged again. One key after
 * another: every change also updates the owner item, and parallel
 * transactions on one item would only conflict.
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

  /** What Auth0 has reported about the owner, for support staff: blocked or not, and the latest deletion. */
  async auth0Status(ownerId: string): Promise<Auth0UserStatus> {
    const { blocked, deletedAtMs } = await this.store.ownerStatus(ownerId);
    return { blocked: blocked === true, ...(deletedAtMs !== undefined ? { deletedAt: new Date(deletedAtMs).toISOString() } : {}) };
  }

  /**
   * Revokes every key of the owner that is not revoked or expired (and that
   * `revokes` accepts, when given); answers how many it revoked.
   */
  async revokeAll(ownerId: string, actor: Caller, scope: RevokeScope = {}): Promise<number> {
    // Until a pass finds nothing left: a key made or rotated while a pass ran (its successor) is caught by the next.
    let revoked = 0;
    for (let pass = 0; pass < MAX_PASSES; pass += 1) {
      const more = await this.revokePass(ownerId, actor, scope);
      revoked += more;
      if (more === 0) break;
    }
    return revoked;
  }

  private async revokePass(ownerId: string, actor: Caller, scope: RevokeScope): Promise<number> {
    let revoked = 0;
    const successors: string[] = [];
    for await (const listed of this.keysOf(ownerId, successors)) {
      const key = await this.store.getKey(listed.keyId);
      const now = this.clock();
      if (key?.ownerId === ownerId && key.replacedBy !== undefined) successors.push(key.replacedBy);
      if (key?.ownerId !== ownerId || key.revokedAt !== undefined || isExpired(key.expiresAt, now)) continue;
      if (scope.revokes !== undefined && !scope.revokes(key)) continue;
      const event = this.event(actor, key, 'revoke', now, scope);
      const result = await this.store.revokeKey(ownerId, key.keyId, now, event, revokedPurgeAt(this.policy, now));
      if (result.outcome === 'written') revoked += 1;
    }
    return revoked;
  }

  /** Pauses every live key the owner has not paused, marked as paused by `actor` (so enableAll finds them again). */
  async disableAll(ownerId: string, actor: Caller, scope: BulkScope = {}): Promise<BulkOutcome> {
    let disabled = 0;
    for (let pass = 0; pass < MAX_PASSES; pass += 1) {
      const result = await this.disablePass(ownerId, actor, scope);
      if (result.kind === 'superseded') return result;
      disabled += result.keys;
      if (result.keys === 0) break;
    }
    return { kind: 'done', keys: disabled };
  }

  private async disablePass(ownerId: string, actor: Caller, scope: BulkScope): Promise<BulkOutcome> {
    return this.toggleAll(ownerId, (key, now) =>
      key.disabledAt !== undefined
        ? undefined
        : this.store.updateKey({
            ownerId,
            keyId: key.keyId,
            expected: { disabled: false },
            disabledAt: now.toISOString(),
            disabledBy: actor.sub,
            asOfOwnerStatusAtMs: scope.asOfOwnerStatusAtMs,
            events: [this.event(actor, key, 'disable', now, scope)],
          }),
    );
  }

  /** Re-enables the keys `pausedBy` paused (never those the owner paused); answers how many. */
  async enableAll(ownerId: string, actor: Caller, pausedBy: string, scope: BulkScope = {}): Promise<BulkOutcome> {
    return this.toggleAll(ownerId, (key, now) =>
      key.disabledAt === undefined || key.disabledBy !== pausedBy
        ? undefined
        : this.store.updateKey({
            ownerId,
            keyId: key.keyId,
            expected: { disabled: true },
            expectedDisabledBy: pausedBy,
            disabledAt: null,
            asOfOwnerStatusAtMs: scope.asOfOwnerStatusAtMs,
            events: [this.event(actor, key, 'enable', now, scope)],
          }),
    );
  }

  /** `change` answers undefined for a key it leaves as it is. */
  private async toggleAll(ownerId: string, change: (key: StoredKey, now: Date) => Promise<UpdateResult> | undefined): Promise<BulkOutcome> {
    let changed = 0;
    const successors: string[] = [];
    for await (const listed of this.keysOf(ownerId, successors)) {
      for (let attempt = 0; ; attempt += 1) {
        const key = await this.store.getKey(listed.keyId);
        const now = this.clock();
        if (attempt === 0 && key?.ownerId === ownerId && key.replacedBy !== undefined) successors.push(key.replacedBy);
        if (key?.ownerId !== ownerId || key.revokedAt !== undefined || isExpired(key.expiresAt, now)) break;
        const result = await change(key, now);
        if (result === undefined) break;
        if (result.outcome === 'written') {
          changed += 1;
          break;
        }
        if (result.outcome === 'owner-changed') return { kind: 'superseded' };
        if (attempt + 1 >= KEY_ATTEMPTS) {
          throw new KeyStateConflictError('A key kept changing while its owner’s keys were changed; try again', 'CONCURRENT_CHANGE');
        }
      }
    }
    return { kind: 'done', keys: changed };
  }

  /**
   * The owner's keys as the owner index lists them, then the `successors` the caller found on their
   * (consistent) reads, each once: a rotation's new key may not be in the index yet (it lags), and the
   * successor of an imported key is not among the owner's slots either.
   */
  private async *keysOf(ownerId: string, successors: string[]): AsyncGenerator<{ readonly keyId: string }> {
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await this.store.listKeys(ownerId, { limit: PAGE_SIZE, cursor });
      for (const key of page.keys) {
        if (seen.has(key.keyId)) continue;
        seen.add(key.keyId);
        yield key;
      }
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    for (let next = successors.shift(); next !== undefined; next = successors.shift()) {
      if (seen.has(next)) continue;
      seen.add(next);
      yield { keyId: next };
    }
  }

  private event(actor: Caller, key: Pick<StoredKey, 'keyId' | 'ownerId'>, type: AuditEventType, at: Date, scope: BulkScope) {
    return auditEvent(actor, key, type, at, this.policy.auditRetentionDays, scope.details);
  }
}
