import type { Principal } from '../../../lambdas/auth/access-token-verifier';
import type { Caller } from '../../../lambdas/domain/audit-event';
import { RateLimitedError } from '../../../lambdas/domain/errors';
import { KeyFormat } from '../../../lambdas/domain/key-format';
import type { KeyPolicy } from '../../../lambdas/domain/key-policy';
import { KeyService, type CreatedKey, type RotatedKey } from '../../../lambdas/domain/key-service';
import type { KeyStore } from '../../../lambdas/domain/key-store';
import { callerOf } from '../../../lambdas/http/caller';
import { errorResponse } from '../../../lambdas/http/responses';
import { rejection } from '../../support/domain-errors';
import { InMemoryKeyStore } from '../../support/in-memory-key-store';
import { storedTestKey, testKeyPolicy } from '../../support/key-policy';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const DAY = 86_400;
const ALICE = 'auth0|alice';
const BOB = 'auth0|bob';
const IDEMPOTENCY_KEY = '5b0f4c1e-2a63-4c1f-9d7e-8f2b3a4c5d6e';

/** A caller as a verified token makes one: its rights, and issued an hour before NOW. */
const caller = (sub: string, rights?: readonly string[], tokenIssuedAtMs = NOW.getTime() - 3_600_000): Caller => ({
  sub,
  ...(rights !== undefined ? { rights } : {}),
  tokenIssuedAtMs,
  sourceIp: '192.0.2.1',
  userAgent: 'jest',
});

let store: InMemoryKeyStore;
let now: Date;

beforeEach(() => {
  store = new InMemoryKeyStore();
  now = NOW;
});

const service = (overrides: Partial<KeyPolicy> = {}, keyStore: KeyStore = store): KeyService =>
  new KeyService({ store: keyStore, format: new KeyFormat('uak'), policy: testKeyPolicy(overrides), clock: () => now });

describe('keys within the owner’s rights (KEY_SCOPES_FROM_TOKEN)', () => {
  const bounded = () => service({ keyScopesFromToken: true });

  it('creates a key with scopes the token holds, and refuses one it lacks with 403 SCOPE_EXCEEDS_OWNER, making nothing', async () => {
    const alice = caller(ALICE, ['read', 'write']);
    expect((await bounded().create(alice, { name: 'ok', scopes: ['read', 'write'] })).scopes).toEqual(['read', 'write']);
    const refused = await rejection(bounded().create(caller(ALICE, ['read']), { name: 'too much', scopes: ['read', 'write', 'deploy'] }));
    expect(refused).toMatchObject({ status: 403, code: 'SCOPE_EXCEEDS_OWNER' });
    expect(refused.message).toContain('"write", "deploy"');
    expect(refused.message).not.toContain('"read"');
    expect(store.size).toBe(1);
    expect(store.events).toHaveLength(1);
  });

  it('lets a key with no scopes be made by any token, and refuses every scope to a caller without rights', async () => {
    expect((await bounded().create(caller(ALICE), { name: 'bare' })).scopes).toEqual([]);
    expect(await rejection(bounded().create(caller(ALICE), { name: 'scoped', scopes: ['read'] }))).toMatchObject({
      code: 'SCOPE_EXCEEDS_OWNER',
    });
  });

  it('allows any allowed scope when the setting is off', async () => {
    expect((await service({ keyScopesFromToken: false }).create(caller(ALICE, []), { name: 'x', scopes: ['deploy'] })).scopes).toEqual([
      'deploy',
    ]);
  });

  describe('the rights of a token: its permissions when it has the claim, else its scope', () => {
    const principal = (fields: Partial<Principal>): Principal => ({ sub: ALICE, scopes: [], machine: false, issuedAt: 1, ...fields });

    it('reads Auth0 RBAC permissions and ignores the scope beside them', async () => {
      const rbac = callerOf(principal({ scopes: ['read', 'write'], permissions: ['read'] }), {});
      expect(rbac.rights).toEqual(['read']);
      await bounded().create(rbac, { name: 'read', scopes: ['read'] });
      expect(await rejection(bounded().create(rbac, { name: 'write', scopes: ['write'] }))).toMatchObject({ code: 'SCOPE_EXCEEDS_OWNER' });
    });

    it('takes an empty permissions claim as no rights, whatever the scope says', async () => {
      const none = callerOf(principal({ scopes: ['read'], permissions: [] }), {});
      expect(await rejection(bounded().create(none, { name: 'x', scopes: ['read'] }))).toMatchObject({ code: 'SCOPE_EXCEEDS_OWNER' });
    });

    it('falls back to the scope for a token without the permissions claim', async () => {
      const scoped = callerOf(principal({ scopes: ['read', 'write'] }), {});
      expect((await bounded().create(scoped, { name: 'x', scopes: ['write'] })).scopes).toEqual(['write']);
    });

    it('carries the token’s iat, in milliseconds, for the owner checks', () => {
      expect(callerOf(principal({ issuedAt: 1_700_000_000 }), {}).tokenIssuedAtMs).toBe(1_700_000_000_000);
      expect(callerOf({ sub: ALICE, scopes: [], machine: false }, {}).tokenIssuedAtMs).toBe(0);
    });
  });

  it('refuses to rotate a key whose scopes the rotating token no longer holds, leaving the key as it was', async () => {
    const created = await bounded().create(caller(ALICE, ['read', 'write']), { name: 'k', scopes: ['read', 'write'] });
    const before = store.peek(created.id);
    expect(await rejection(bounded().rotate(caller(ALICE, ['read']), created.id, {}))).toMatchObject({
      status: 403,
      code: 'SCOPE_EXCEEDS_OWNER',
    });
    expect(store.peek(created.id)).toEqual(before);
    expect(store.size).toBe(1);
    const rotated = await bounded().rotate(caller(ALICE, ['write', 'read', 'other']), created.id, {});
    expect(rotated.scopes).toEqual(['read', 'write']);
  });
});

describe("each owner's budget of creates and rotations", () => {
  const limited = () => service({ ownerBudget: { perMinute: 10, burst: 2 } });

  it('refuses a create over the burst as RateLimitedError (429 RATE_LIMITED) with its own Retry-After', async () => {
    await limited().create(caller(ALICE), { name: 'one' });
    await limited().create(caller(ALICE), { name: 'two' });
    let error: unknown;
    try {
      await limited().create(caller(ALICE), { name: 'three' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterSeconds).toBe(6);
    const response = errorResponse(error);
    expect(response.statusCode).toBe(429);
    expect(response.headers).toMatchObject({ 'retry-after': '6' });
    expect(JSON.parse(response.body ?? '')).toMatchObject({ code: 'RATE_LIMITED' });
    expect(store.size).toBe(2);
  });

  it('counts rotations too, and allows one more once Retry-After has passed', async () => {
    const first = await limited().create(caller(ALICE), { name: 'one' });
    await limited().rotate(caller(ALICE), first.id, {});
    expect(await rejection(limited().rotate(caller(ALICE), first.id, {}))).toMatchObject({ status: 409 }); // already rotated
    const second = await rejection(limited().create(caller(ALICE), { name: 'two' }));
    expect(second).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    now = new Date(NOW.getTime() + 5_000);
    expect((await rejection(limited().create(caller(ALICE), { name: 'two' }))).error).toMatchObject({ retryAfterSeconds: 1 });
    now = new Date(NOW.getTime() + 6_000);
    await limited().create(caller(ALICE), { name: 'two' });
  });

  it('refuses a rotation over the budget, leaving the old key as it was', async () => {
    const key = await limited().create(caller(ALICE), { name: 'one' });
    await limited().create(caller(ALICE), { name: 'two' });
    const before = store.peek(key.id);
    expect(await rejection(limited().rotate(caller(ALICE), key.id, {}))).toMatchObject({ code: 'RATE_LIMITED' });
    expect(store.peek(key.id)).toEqual(before);
  });

  it("leaves another owner's budget alone", async () => {
    await limited().create(caller(ALICE), { name: 'one' });
    await limited().create(caller(ALICE), { name: 'two' });
    await expect(limited().create(caller(ALICE), { name: 'three' })).rejects.toBeInstanceOf(RateLimitedError);
    await limited().create(caller(BOB), { name: 'bob' });
  });
});

describe('safe retries: an Idempotency-Key on create and rotate', () => {
  it('answers a retry of a create with the same key and secret, replayed, and makes no second key', async () => {
    const body = { name: 'ci', scopes: ['read'] };
    const first = await service().createOnce(caller(ALICE), body, IDEMPOTENCY_KEY);
    now = new Date(NOW.getTime() + 60_000);
    const again = await service().createOnce(caller(ALICE), { scopes: ['read'], name: 'ci' }, IDEMPOTENCY_KEY);
    expect(first.replayed).toBe(false);
    expect(again).toEqual({ outcome: first.outcome, replayed: true });
    expect(again.outcome.key).toMatch(/^uak_/);
    expect(store.size).toBe(1);
    expect(store.events).toHaveLength(1);
  });

  it('refuses the same key with another body: 422 IDEMPOTENCY_KEY_REUSED, and makes nothing', async () => {
    await service().createOnce(caller(ALICE), { name: 'ci' }, IDEMPOTENCY_KEY);
    expect(await rejection(service().createOnce(caller(ALICE), { name: 'other' }, IDEMPOTENCY_KEY))).toMatchObject({
      status: 422,
      code: 'IDEMPOTENCY_KEY_REUSED',
    });
    expect(store.size).toBe(1);
  });

  it("keeps another owner's same key apart: their own key, not a replay of Alice's", async () => {
    const alices = await service().createOnce(caller(ALICE), { name: 'ci' }, IDEMPOTENCY_KEY);
    const bobs = await service().createOnce(caller(BOB), { name: 'ci' }, IDEMPOTENCY_KEY);
    expect(bobs.replayed).toBe(false);
    expect(bobs.outcome.id).not.toBe(alices.outcome.id);
    expect(store.peek(bobs.outcome.id)?.ownerId).toBe(BOB);
    expect((await service().createOnce(caller(BOB), { name: 'ci' }, IDEMPOTENCY_KEY)).outcome).toEqual(bobs.outcome);
  });

  it('makes a new key once the 24-hour window is over', async () => {
    const first = await service().createOnce(caller(ALICE), { name: 'ci' }, IDEMPOTENCY_KEY);
    now = new Date(NOW.getTime() + DAY * 1000 + 1000);
    const later = await service().createOnce(caller(ALICE), { name: 'ci' }, IDEMPOTENCY_KEY);
    expect(later.replayed).toBe(false);
    expect(later.outcome.id).not.toBe(first.outcome.id);
  });

  it('keeps no record of a refused create: a retry after the refusal is judged afresh', async () => {
    const limited = () => service({ ownerBudget: { perMinute: 10, burst: 1 } });
    await limited().create(caller(ALICE), { name: 'spent' });
    expect(await rejection(limited().createOnce(caller(ALICE), { name: 'ci' }, IDEMPOTENCY_KEY))).toMatchObject({ code: 'RATE_LIMITED' });
    now = new Date(NOW.getTime() + 6_000);
    const retried = await limited().createOnce(caller(ALICE), { name: 'ci' }, IDEMPOTENCY_KEY);
    expect(retried.replayed).toBe(false);
    expect(store.size).toBe(2);
  });

  it('spends no budget on a replay', async () => {
    const limited = () => service({ ownerBudget: { perMinute: 10, burst: 2 } });
    await limited().createOnce(caller(ALICE), { name: 'ci' }, IDEMPOTENCY_KEY);
    for (let i = 0; i < 5; i += 1) expect((await limited().createOnce(caller(ALICE), { name: 'ci' }, IDEMPOTENCY_KEY)).replayed).toBe(true);
    await limited().create(caller(ALICE), { name: 'second of the burst' });
  });

  it('answers concurrent creates with the same key with one key, the same answer to all', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => service().createOnce(caller(ALICE), { name: 'raced' }, IDEMPOTENCY_KEY)),
    );
    expect(store.size).toBe(1);
    expect(new Set(answers.map((answer) => JSON.stringify(answer.outcome))).size).toBe(1);
    expect(answers.filter((answer) => !answer.replayed)).toHaveLength(1);
  });

  it('answers a create whose write lost the race to a retry with the same key with the first answer', async () => {
    // B reads no record, then A writes its key and record, then B writes: B's write answers `replayed`.
    const gated = new InMemoryKeyStore();
    const insert = gated.insertKey.bind(gated);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let inserts = 0;
    jest.spyOn(gated, 'insertKey').mockImplementation(async (...args) => {
      inserts += 1;
      if (inserts === 1) await gate;
      return insert(...args);
    });
    const b = service({}, gated).createOnce(caller(ALICE), { name: 'raced' }, IDEMPOTENCY_KEY);
    while (inserts === 0) await Promise.resolve();
    const a = await service({}, gated).createOnce(caller(ALICE), { name: 'raced' }, IDEMPOTENCY_KEY);
    release();
    expect(await b).toEqual({ outcome: a.outcome, replayed: true });
    expect(gated.size).toBe(1);
  });

  describe('rotate', () => {
    let key: CreatedKey;
    beforeEach(async () => {
      key = await service().create(caller(ALICE), { name: 'to rotate' });
    });

    it('answers a retry with the same new key and secret, replayed, and rotates only once', async () => {
      const first = await service().rotateOnce(caller(ALICE), key.id, { gracePeriodSeconds: 60 }, IDEMPOTENCY_KEY);
      const again = await service().rotateOnce(caller(ALICE), key.id, { gracePeriodSeconds: 60 }, IDEMPOTENCY_KEY);
      expect(first.replayed).toBe(false);
      expect(again).toEqual({ outcome: first.outcome, replayed: true });
      expect(store.size).toBe(2);
      expect(store.events.filter((event) => event.type === 'rotate')).toHaveLength(1);
    });

    it('takes no body and an empty body as the same request', async () => {
      const first = await service().rotateOnce(caller(ALICE), key.id, undefined, IDEMPOTENCY_KEY);
      expect((await service().rotateOnce(caller(ALICE), key.id, {}, IDEMPOTENCY_KEY)).outcome).toEqual(first.outcome);
    });

    it('refuses the same key with another grace period, another key or on create: 422', async () => {
      await service().rotateOnce(caller(ALICE), key.id, { gracePeriodSeconds: 60 }, IDEMPOTENCY_KEY);
      const other = await service().create(caller(ALICE), { name: 'other' });
      for (const retry of [
        () => service().rotateOnce(caller(ALICE), key.id, { gracePeriodSeconds: 120 }, IDEMPOTENCY_KEY),
        () => service().rotateOnce(caller(ALICE), other.id, { gracePeriodSeconds: 60 }, IDEMPOTENCY_KEY),
        () => service().createOnce(caller(ALICE), { name: 'to rotate' }, IDEMPOTENCY_KEY),
      ]) {
        expect(await rejection(retry())).toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
      }
      expect(store.size).toBe(3);
    });

    it('answers concurrent rotations with the same key with one rotation, the same answer to all', async () => {
      const answers = await Promise.all(Array.from({ length: 4 }, () => service().rotateOnce(caller(ALICE), key.id, {}, IDEMPOTENCY_KEY)));
      expect(store.size).toBe(2);
      expect(new Set(answers.map((answer) => JSON.stringify(answer.outcome))).size).toBe(1);
    });

    // Failed at b8f1727 (key-service.ts rotateNow): a retry that found no record, then read the key after the first
    // request rotated it, answered 409 KEY_ALREADY_ROTATED instead of the first answer.
    it('answers a retry that reads the key only after the first request rotated it with the first answer', async () => {
      const gated = new InMemoryKeyStore();
      gated.seed(store.peek(key.id)!);
      const getKey = gated.getKey.bind(gated);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let reads = 0;
      jest.spyOn(gated, 'getKey').mockImplementation(async (keyId) => {
        reads += 1;
        if (reads === 1) await gate;
        return getKey(keyId);
      });
      const b = service({}, gated).rotateOnce(caller(ALICE), key.id, {}, IDEMPOTENCY_KEY);
      while (reads === 0) await Promise.resolve();
      const a: { outcome: RotatedKey } = await service({}, gated).rotateOnce(caller(ALICE), key.id, {}, IDEMPOTENCY_KEY);
      release();
      expect(await b).toEqual({ outcome: a.outcome, replayed: true });
    });
  });
});

describe('Auth0 status on the owner: blocked or deleted', () => {
  it('refuses create, rotate and enable while blocked (403 OWNER_SUSPENDED), and allows a disable', async () => {
    const key = await service().create(caller(ALICE), { name: 'k' });
    const paused = await service().create(caller(ALICE), { name: 'paused' });
    await service().update(caller(ALICE), paused.id, { enabled: false });
    await store.recordOwnerStatus(ALICE, 'blocked', NOW.getTime() - 1000);
    const events = store.events.length;
    for (const refused of [
      () => service().create(caller(ALICE), { name: 'new' }),
      () => service().rotate(caller(ALICE), key.id, {}),
      () => service().update(caller(ALICE), paused.id, { enabled: true }),
      // A token issued after the block is refused just the same: the user is still blocked.
      () => service().create(caller(ALICE, undefined, NOW.getTime()), { name: 'new' }),
    ]) {
      expect(await rejection(refused())).toMatchObject({ status: 403, code: 'OWNER_SUSPENDED' });
    }
    expect(store.peek(paused.id)?.disabledAt).toBeDefined();
    expect(store.size).toBe(2);
    expect(store.events).toHaveLength(events);
    expect((await service().update(caller(ALICE), key.id, { enabled: false })).enabled).toBe(false);
  });

  it('allows them again once the block is lifted', async () => {
    const paused = await service().create(caller(ALICE), { name: 'paused' });
    await service().update(caller(ALICE), paused.id, { enabled: false });
    await store.recordOwnerStatus(ALICE, 'blocked', NOW.getTime() - 2000);
    await store.recordOwnerStatus(ALICE, undefined, NOW.getTime() - 1000);
    expect((await service().update(caller(ALICE), paused.id, { enabled: true })).enabled).toBe(true);
    await service().create(caller(ALICE), { name: 'new' });
  });

  it('after a deletion, refuses tokens issued before it and allows tokens issued after (a re-created user)', async () => {
    const deletedAt = NOW.getTime() - 60_000;
    await store.recordOwnerStatus(ALICE, 'deleted', deletedAt);
    expect(await rejection(service().create(caller(ALICE, undefined, deletedAt - 1000), { name: 'old token' }))).toMatchObject({
      code: 'OWNER_SUSPENDED',
    });
    expect(await rejection(service().create(caller(ALICE, undefined, deletedAt), { name: 'same instant' }))).toMatchObject({
      code: 'OWNER_SUSPENDED',
    });
    const created = await service().create(caller(ALICE, undefined, deletedAt + 1000), { name: 'new token' });
    expect(store.peek(created.id)?.ownerId).toBe(ALICE);
  });

  it("leaves another owner's writes alone", async () => {
    await store.recordOwnerStatus(ALICE, 'blocked', NOW.getTime() - 1000);
    await service().create(caller(BOB), { name: 'bob' });
  });
});

describe('revoked tombstones', () => {
  it('moves a revoked key’s expiry to the revocation plus REVOKED_RETENTION_DAYS when that is sooner', async () => {
    const long = await service().create(caller(ALICE), {
      name: 'long',
      expiresAt: new Date((NOW_SECONDS + 300 * DAY) * 1000).toISOString(),
    });
    now = new Date(NOW.getTime() + 10_500);
    await service({ revokedRetentionDays: 7 }).revoke(caller(ALICE), long.id);
    expect(store.peek(long.id)).toMatchObject({ revokedAt: now.toISOString(), expiresAt: Math.floor(now.getTime() / 1000) + 7 * DAY });
  });

  it('keeps its own expiry when that comes first', async () => {
    const short = storedTestKey(ALICE, NOW, { expiresAt: NOW_SECONDS + 2 * DAY });
    store.seed(short);
    await service({ revokedRetentionDays: 7 }).revoke(caller(ALICE), short.keyId);
    expect(store.peek(short.keyId)).toMatchObject({ revokedAt: NOW.toISOString(), expiresAt: short.expiresAt });
  });

  it('shows the revoked key as revoked until it is purged', async () => {
    const key = await service().create(caller(ALICE), { name: 'k' });
    await service({ revokedRetentionDays: 30 }).revoke(caller(ALICE), key.id);
    now = new Date(NOW.getTime() + 31 * DAY * 1000);
    expect((await service().get(ALICE, key.id)).status).toBe('revoked');
  });
});
