import type { Auth0Actor, Caller } from './audit-event';
import type { OwnerSignal } from './auth0-events';
import type { KeyStore } from './key-store';
import type { StoredKey } from './api-key';
import type { BulkOutcome, OwnerKeys } from './owner-keys';

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
 * idempotently, whatever order they arrive in and however often, and the
 * report is recorded first, so the owner's still-valid tokens stop making,
 * rotating and enabling keys at once (owner-status.ts), and what the report
 * then changes cannot be undone by those tokens in the meantime:
 *
 * - deleted: every key made with a token issued before the deletion is
 *   revoked, whenever it was made (between the deletion and this report too);
 *   a user re-created with the same id, as social logins can be, has newer
 *   tokens, and their keys are left alone.
 * - blocked: every live key the owner had not paused is disabled, marked as
 *   paused by `auth0:user.blocked`.
 * - unblocked: exactly the keys a block paused are enabled.
 *
 * A block or unblock older than the last one applied is stale and changes
 * nothing, and one superseded while it runs stops; the same report again
 * re-applies (finishing work a failed attempt left). A deletion always runs:
 * it touches only keys of tokens older than itself.
 */
export class OwnerLifecycle {
  constructor(
    private readonly store: Pick<KeyStore, 'recordOwnerStatus'>,
    private readonly ownerKeys: OwnerKeys,
  ) {}

  async apply(signal: OwnerSignal): Promise<LifecycleOutcome> {
    const atMs = new Date(signal.occurredAt).getTime();
    const actor = auth0Caller(signal.actor);
    const details = { auth0Event: signal.eventId, source: signal.source };
    const outcome = (action: LifecycleOutcome['action'], keys: number): LifecycleOutcome => ({
      sub: signal.sub,
      change: signal.change,
      action,
      keys,
    });
    const toggled = (action: 'disabled' | 'enabled', result: BulkOutcome) =>
      result.kind === 'superseded' ? outcome('stale', 0) : outcome(action, result.keys);
    switch (signal.change) {
      case 'deleted': {
        await this.store.recordOwnerStatus(signal.sub, 'deleted', atMs);
        // Keys of no token (imported, or made before tokens were recorded on keys) are the deleted user's.
        const revokes = (key: StoredKey) => (key.creatorTokenIssuedAtMs ?? 0) < atMs;
        return outcome('revoked', await this.ownerKeys.revokeAll(signal.sub, actor, { details, revokes }));
      }
      case 'blocked': {
        if ((await this.store.recordOwnerStatus(signal.sub, 'blocked', atMs)) === 'stale') return outcome('stale', 0);
        return toggled('disabled', await this.ownerKeys.disableAll(signal.sub, actor, { details, asOfOwnerStatusAtMs: atMs }));
      }
      case 'unblocked': {
        if ((await this.store.recordOwnerStatus(signal.sub, undefined, atMs)) === 'stale') return outcome('stale', 0);
        // Only what a block paused: its marker is the block's actor.
        const pausedBy: Auth0Actor = 'auth0:user.blocked';
        return toggled('enabled', await this.ownerKeys.enableAll(signal.sub, actor, pausedBy, { details, asOfOwnerStatusAtMs: atMs }));
      }
    }
  }
}
