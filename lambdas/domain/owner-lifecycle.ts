import type { Auth0Actor, Caller } from './audit-event';
import type { OwnerSignal } from './auth0-events';
import type { KeyStore } from './key-store';
import type { OwnerKeys } from './owner-keys';

/** What applying one of Auth0's reports did, for the line `npm run auth0-events` prints and the function logs. */
export interface LifecycleOutcome {
  readonly sub: string;
  readonly change: OwnerSignal['change'];
  /** `stale`: a later report about this owner was already applied, so this older one changes nothing. */
  readonly action: 'revoked' | 'disabled' | 'enabled' | 'stale';
  readonly keys: number;
}

/** The audit actor of a change Auth0 caused: no person, no address; the event says why. */
const auth0Caller = (actor: Auth0Actor): Caller => ({ sub: actor, userAgent: 'auth0' });

/**
 * A key never outlives or outranks its owner in Auth0. Each report is applied
 * idempotently, whatever order they arrive in and however often:
 *
 * - deleted: every key made before the deletion is revoked (one made after
 *   belongs to a user re-created with the same id, as social logins can be);
 *   the status is recorded, so tokens issued before it can no longer make keys.
 * - blocked: recorded first (the owner's still-valid tokens stop making,
 *   rotating and enabling keys at once), then every live key the owner had
 *   not paused is disabled, marked as paused by `auth0:user.blocked`.
 * - unblocked: recorded first (so the enables below are not refused as the
 *   owner's would be), then exactly the keys the block paused are enabled.
 *
 * A block or unblock older than the last report applied is stale and changes
 * nothing; the same report again re-applies (finishing work a failed attempt
 * left). A deletion always runs: it touches only keys older than itself.
 */
export class OwnerLifecycle {
  constructor(
    private readonly store: Pick<KeyStore, 'recordOwnerStatus'>,
    private readonly ownerKeys: OwnerKeys,
  ) {}

  async apply(signal: OwnerSignal): Promise<LifecycleOutcome> {
    const at = new Date(signal.occurredAt);
    const atMs = at.getTime();
    const actor = auth0Caller(signal.actor);
    const scope = { createdBefore: at, details: { auth0Event: signal.eventId, source: signal.source } };
    const outcome = (action: LifecycleOutcome['action'], keys: number): LifecycleOutcome => ({
      sub: signal.sub,
      change: signal.change,
      action,
      keys,
    });
    switch (signal.change) {
      case 'deleted': {
        const revoked = await this.ownerKeys.revokeAll(signal.sub, actor, scope);
        await this.store.recordOwnerStatus(signal.sub, 'deleted', atMs);
        return outcome('revoked', revoked);
      }
      case 'blocked': {
        if ((await this.store.recordOwnerStatus(signal.sub, 'blocked', atMs)) === 'stale') return outcome('stale', 0);
        return outcome('disabled', await this.ownerKeys.disableAll(signal.sub, actor, scope));
      }
      case 'unblocked': {
        if ((await this.store.recordOwnerStatus(signal.sub, undefined, atMs)) === 'stale') return outcome('stale', 0);
        // Only what a block paused: its marker is the block's actor.
        const pausedBy: Auth0Actor = 'auth0:user.blocked';
        return outcome('enabled', await this.ownerKeys.enableAll(signal.sub, actor, pausedBy, { details: scope.details }));
      }
    }
  }
}
