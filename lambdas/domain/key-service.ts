import type { KeyView, StoredKey } from './api-key';
import { isExpired, toKeyView } from './api-key';
import { auditEvent, toAuditEventView, type AuditEvent, type AuditEventType, type AuditEventView, type Caller } from './audit-event';
import { parseRotateKeyRequest, parseUpdateKeyRequest } from './change-key-requests';
import { disallowedScopes, parseCreateKeyRequest } from './create-key-request';
import { parseListEventsRequest, parseListKeysRequest } from './list-keys-request';
import { AccessDeniedError, KeyLimitReachedError, KeyNotFoundError, KeyStateConflictError, RateLimitedError } from './errors';
import type { IdempotencyRecord } from './idempotency';
import type { OwnerChecks, OwnerRefusal } from './key-store';
import { IdempotentRequests, type Remember, type Replayable } from './idempotent-requests';
import type { KeyFormat } from './key-format';
import { isKeyId } from './key-ids';
import { revokedPurgeAt, type KeyPolicy } from './key-policy';
import { hashSecret } from './secret-hash';
import type { Clock, KeyStore } from './key-store';
import { systemClock } from './key-store';

export interface CreatedKey {
  readonly id: string;
  /** The full key: returned once, here, and never stored. */
  readonly key: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly createdAt: string;
  readonly expiresAt: string;
}

export interface RotatedKey extends CreatedKey {
  readonly rotatedFrom: string;
  /** The old key, which keeps working until `expiresAt` (the end of its grace period). */
  readonly replaced: { readonly id: string; readonly expiresAt: string };
}

export interface KeyServiceOptions {
  readonly store: KeyStore;
  readonly format: KeyFormat;
  readonly policy: KeyPolicy;
  readonly clock?: Clock | undefined;
}

type Query = Readonly<Record<string, string | undefined>> | undefined;

/** The token a key is made with: a deletion in Auth0 revokes keys made with tokens from before it (owner-lifecycle.ts). */
const madeWith = (caller: Caller): { creatorTokenIssuedAtMs?: number } =>
  caller.tokenIssuedAtMs !== undefined ? { creatorTokenIssuedAtMs: caller.tokenIssuedAtMs } : {};

/** The error for a write the owner item refused. */
function refusal(result: OwnerRefusal): Error {
  switch (result.outcome) {
    case 'limit-reached':
      return new KeyLimitReachedError(result.limit);
    case 'rate-limited':
      return new RateLimitedError(result.retryAfterSeconds);
    case 'owner-suspended':
      return new AccessDeniedError(
        'Auth0 reports this user blocked or deleted: keys cannot be created, rotated or enabled with this token',
        'OWNER_SUSPENDED',
      );
  }
}

/** What an attempt answers when its write found the key changed since its read: judge it again. */
const LOST_RACE = Symbol('lost race');
/** A change that lost a race is judged again on fresh state this many times. */
const CHANGE_ATTEMPTS = 3;
/** A filtered list reads at most this many index pages per request, so its cost stays bounded. */
const MAX_FILTERED_READS = 10;

const iso = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString();

/** What a key owner can do with their keys. The owner always comes from a verified token. */
export class KeyService {
  private readonly store: KeyStore;
  private readonly format: KeyFormat;
  private readonly policy: KeyPolicy;
  private readonly clock: Clock;

  private readonly idempotent: IdempotentRequests;

  constructor(options: KeyServiceOptions) {
    this.store = options.store;
    this.format = options.format;
    this.policy = options.policy;
    this.clock = options.clock ?? systemClock;
    this.idempotent = new IdempotentRequests(this.store, this.clock);
  }

  async create(caller: Caller, body: unknown): Promise<CreatedKey> {
    return (await this.createOnce(caller, body, undefined)).outcome;
  }

  /**
   * POST /keys with an optional Idempotency-Key (idempotent-requests.ts): a
   * retry of a create that made its key answers that key again, `replayed`.
   */
  async createOnce(caller: Caller, body: unknown, idempotencyKey: string | undefined): Promise<Replayable<CreatedKey>> {
    return this.idempotent.run(caller.sub, idempotencyKey, { route: 'POST /keys', body }, async (remember) => {
      const now = this.clock();
      const request = parseCreateKeyRequest(body, this.policy, now);
      this.refuseScopesBeyondCaller(caller, request.scopes);
      const { stored, created } = this.mint({ ownerId: caller.sub, ...request, ...madeWith(caller) }, now);
      const record = remember(created, now);
      const event = this.event(caller, stored, 'create', now);
      const result = await this.store.insertKey(stored, this.policy.maxKeysPerUser, now, event, this.checks(caller, record));
      if (result.outcome === 'replayed') return result;
      if (result.outcome !== 'written') throw refusal(result);
      return created;
    });
  }

  /**
   * One page of the owner's keys, newest first; `query` is `GET /keys`' query
   * string. With a status filter, further index pages are read until the page
   * is full (a bounded number of times), so a page may come back short with a
   * `nextCursor` to follow.
   */
  async list(ownerId: string, query?: Query): Promise<{ keys: KeyView[]; nextCursor?: string }> {
    const request = parseListKeysRequest(query);
    const keys: KeyView[] = [];
    let cursor = request.cursor;
    for (let reads = 0; ; reads += 1) {
      const page = await this.store.listKeys(ownerId, { limit: request.limit - keys.length, cursor });
      const now = this.clock();
      for (const key of page.keys) {
        const view = toKeyView(key, now);
        if (request.statuses === undefined || request.statuses.has(view.status)) keys.push(view);
      }
      cursor = page.nextCursor;
      if (request.statuses === undefined || keys.length >= request.limit || cursor === undefined || reads + 1 >= MAX_FILTERED_READS) {
        break;
      }
    }
    return cursor === undefined ? { keys } : { keys, nextCursor: cursor };
  }

  /** Another owner's key is reported exactly like a missing one: no existence leak. */
  async get(ownerId: string, keyId: string): Promise<KeyView> {
    const { secretHash: _hidden, ...summary } = await this.ownedKey(ownerId, keyId);
    return toKeyView(summary, this.clock());
  }

  /** Idempotent for the owner: revoking a revoked key succeeds again (and records nothing new). */
  async revoke(caller: Caller, keyId: string): Promise<void> {
    const now = this.clock();
    const event = this.event(caller, { keyId, ownerId: caller.sub }, 'revoke', now);
    const result = isKeyId(keyId) ? await this.store.revokeKey(caller.sub, keyId, now, event, revokedPurgeAt(this.policy, now)) : undefined;
    if (result === undefined || result.outcome === 'not-found') {
      throw new KeyNotFoundError(keyId);
    }
  }

  /**
   * A new key with the old one's name, scopes and expiry (never later: a
   * rotation must not extend a key's life); the old key keeps working until
   * the grace period ends, capped at its own expiry.
   */
  async rotate(caller: Caller, keyId: string, body: unknown): Promise<RotatedKey> {
    return (await this.rotateOnce(caller, keyId, body, undefined)).outcome;
  }

  /** POST /keys/{id}/rotate with an optional Idempotency-Key, as createOnce. */
  async rotateOnce(caller: Caller, keyId: string, body: unknown, idempotencyKey: string | undefined): Promise<Replayable<RotatedKey>> {
    const { gracePeriodSeconds } = parseRotateKeyRequest(body);
    const request = { route: 'POST /keys/{id}/rotate', keyId, body: body ?? {} };
    return this.idempotent.run(caller.sub, idempotencyKey, request, (remember) =>
      this.rotateNow(caller, keyId, gracePeriodSeconds, remember),
    );
  }

  private async rotateNow(
    caller: Caller,
    keyId: string,
    gracePeriodSeconds: number,
    remember: Remember<RotatedKey>,
  ): Promise<RotatedKey | { readonly outcome: 'replayed' }> {
    return this.withFreshState(async () => {
      const old = await this.ownedKey(caller.sub, keyId);
      const now = this.clock();
      this.refuseIfRevoked(old);
      if (old.replacedBy !== undefined) {
        throw new KeyStateConflictError(
          `This key was already rotated; rotate its replacement ${old.replacedBy} instead`,
          'KEY_ALREADY_ROTATED',
        );
      }
      if (isExpired(old.expiresAt, now)) {
        throw new KeyStateConflictError('This key has expired; create a new key instead', 'KEY_EXPIRED');
      }
      const refused = disallowedScopes(old.scopes, this.policy);
      if (refused.length > 0) {
        throw new KeyStateConflictError(
          `This key carries scopes no longer allowed (${refused.join(', ')}); create a new key instead`,
          'SCOPE_NO_LONGER_ALLOWED',
        );
      }
      this.refuseScopesBeyondCaller(caller, old.scopes);
      const { stored: newKey, created } = this.mint(
        { ownerId: old.ownerId, name: old.name, scopes: old.scopes, expiresAt: old.expiresAt, rotatedFrom: old.keyId, ...madeWith(caller) },
        now,
      );
      const graceEndsAt = Math.min(Math.floor(now.getTime() / 1000) + gracePeriodSeconds, old.expiresAt);
      const rotated: RotatedKey = { ...created, rotatedFrom: old.keyId, replaced: { id: old.keyId, expiresAt: iso(graceEndsAt) } };
      const record = remember(rotated, now);
      const result = await this.store.rotateKey(
        {
          oldKey: old,
          newKey,
          rotatedAt: now.toISOString(),
          graceEndsAt,
          // Rotating must work at the limit; keys in their grace period may take the owner up to twice it.
          activeKeyCap: 2 * this.policy.maxKeysPerUser,
          events: [
            this.event(caller, old, 'rotate', now, { replacedBy: newKey.keyId, graceEndsAt: iso(graceEndsAt) }),
            this.event(caller, newKey, 'create', now, { rotatedFrom: old.keyId }),
          ],
          checks: this.checks(caller, record),
        },
        now,
      );
      if (result.outcome === 'conflict') return LOST_RACE;
      if (result.outcome === 'replayed') return result;
      if (result.outcome !== 'written') throw refusal(result);
      return rotated;
    });
  }

  /** `PATCH /keys/{id}`: rename, disable, enable. Revoked is final. A no-op changes and records nothing. */
  async update(caller: Caller, keyId: string, body: unknown): Promise<KeyView> {
    const request = parseUpdateKeyRequest(body);
    return this.withFreshState(async () => {
      const key = await this.ownedKey(caller.sub, keyId);
      const now = this.clock();
      this.refuseIfRevoked(key);
      const wasDisabled = key.disabledAt !== undefined;
      const rename = request.name !== undefined && request.name !== key.name ? request.name : undefined;
      const toggle = request.enabled !== undefined && request.enabled === wasDisabled ? request.enabled : undefined;
      // A key Auth0's block paused, which its owner now pauses too: theirs from now on, so no unblock resumes it.
      const pausedBy = request.enabled === false && wasDisabled ? key.disabledBy : undefined;
      const { secretHash: _hidden, disabledAt: _was, ...summary } = key;
      const disabledAt = toggle === undefined ? key.disabledAt : toggle ? undefined : now.toISOString();
      const updated = { ...summary, name: rename ?? key.name, ...(disabledAt !== undefined ? { disabledAt } : {}) };
      if (rename === undefined && toggle === undefined && pausedBy === undefined) {
        return toKeyView(updated, now);
      }
      const result = await this.store.updateKey({
        ownerId: key.ownerId,
        keyId: key.keyId,
        expected: { name: key.name, disabled: wasDisabled },
        name: rename,
        disabledAt: toggle === undefined ? undefined : (disabledAt ?? null),
        // An enable holds only while Auth0 has not blocked the owner since this token was issued.
        tokenIssuedAtMs: toggle === true ? (caller.tokenIssuedAtMs ?? 0) : undefined,
        ...(pausedBy !== undefined ? { keepPausedByOwner: true, expectedDisabledBy: pausedBy } : {}),
        events: [
          ...(rename !== undefined ? [this.event(caller, key, 'rename', now, { from: key.name, to: rename })] : []),
          ...(toggle !== undefined ? [this.event(caller, key, toggle ? 'enable' : 'disable', now)] : []),
          ...(pausedBy !== undefined ? [this.event(caller, key, 'disable', now, { alreadyPausedBy: pausedBy })] : []),
        ],
      });
      if (result.outcome === 'owner-suspended') throw refusal(result);
      return result.outcome === 'conflict' ? LOST_RACE : toKeyView(updated, now);
    });
  }

  /**
   * A key's history, newest first. Readable by its owner only, and still after
   * the key itself is purged, until the events' own retention ends.
   */
  async events(ownerId: string, keyId: string, query?: Query): Promise<{ events: AuditEventView[]; nextCursor?: string }> {
    const page = parseListEventsRequest(query);
    if (!isKeyId(keyId)) throw new KeyNotFoundError(keyId);
    const [key, history] = await Promise.all([this.store.getKey(keyId), this.store.listEvents(keyId, page)]);
    const owner = key?.ownerId ?? history.events[0]?.keyOwner;
    if (owner !== ownerId) throw new KeyNotFoundError(keyId);
    const events = history.events.filter((event) => event.keyOwner === ownerId).map(toAuditEventView);
    return history.nextCursor === undefined ? { events } : { events, nextCursor: history.nextCursor };
  }

  private async ownedKey(ownerId: string, keyId: string): Promise<StoredKey> {
    const key = isKeyId(keyId) ? await this.store.getKey(keyId) : undefined;
    if (key?.ownerId !== ownerId) {
      throw new KeyNotFoundError(keyId);
    }
    return key;
  }

  /** With KEY_SCOPES_FROM_TOKEN, a key never carries a scope its owner's token lacks (a token-less caller has none). */
  private refuseScopesBeyondCaller(caller: Caller, scopes: readonly string[]): void {
    if (!this.policy.keyScopesFromToken) return;
    const rights = new Set(caller.rights ?? []);
    const beyond = scopes.filter((scope) => !rights.has(scope));
    if (beyond.length > 0) {
      throw new AccessDeniedError(
        `A key may carry only scopes your own token holds; it lacks ${beyond.map((scope) => `"${scope}"`).join(', ')}`,
        'SCOPE_EXCEEDS_OWNER',
      );
    }
  }

  private checks(caller: Caller, idempotency: IdempotencyRecord | undefined): OwnerChecks {
    return {
      budget: this.policy.ownerBudget,
      tokenIssuedAtMs: caller.tokenIssuedAtMs ?? 0,
      ...(idempotency !== undefined ? { idempotency } : {}),
    };
  }

  private refuseIfRevoked(key: StoredKey): void {
    if (key.revokedAt !== undefined) {
      throw new KeyStateConflictError('This key is revoked, and revocation is final', 'KEY_REVOKED');
    }
  }

  /** A new key: what is stored (the secret's hash only) and what its owner is shown, once. */
  private mint(fields: Omit<StoredKey, 'keyId' | 'secretHash' | 'createdAt'>, now: Date): { stored: StoredKey; created: CreatedKey } {
    const generated = this.format.generate();
    const stored: StoredKey = { ...fields, keyId: generated.keyId, secretHash: hashSecret(generated.secret), createdAt: now.toISOString() };
    const created: CreatedKey = {
      id: stored.keyId,
      key: generated.key,
      name: stored.name,
      scopes: stored.scopes,
      createdAt: stored.createdAt,
      expiresAt: iso(stored.expiresAt),
    };
    return { stored, created };
  }

  private event(
    caller: Caller,
    key: Pick<StoredKey, 'keyId' | 'ownerId'>,
    type: AuditEventType,
    at: Date,
    details?: Readonly<Record<string, string>>,
  ): AuditEvent {
    return auditEvent(caller, key, type, at, this.policy.auditRetentionDays, details);
  }

  /** Runs a read-judge-write step again when its write found the key changed since the read. */
  private async withFreshState<T>(attempt: () => Promise<T | typeof LOST_RACE>): Promise<T> {
    for (let i = 0; i < CHANGE_ATTEMPTS; i += 1) {
      const result = await attempt();
      if (result !== LOST_RACE) return result;
    }
    throw new KeyStateConflictError('The key was changed by another request at the same time; try again', 'CONCURRENT_CHANGE');
  }
}
