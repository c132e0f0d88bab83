import type { Caller } from '../../../lambdas/domain/audit-event';
import { KeyFormat } from '../../../lambdas/domain/key-format';
import { DEFAULT_GRACE_PERIOD_SECONDS, MAX_GRACE_PERIOD_SECONDS } from '../../../lambdas/domain/key-policy';
import { KeyService } from '../../../lambdas/domain/key-service';
import { KeyVerifier } from '../../../lambdas/domain/key-verifier';
import { rejection } from '../../support/domain-errors';
import { InMemoryKeyStore } from '../../support/in-memory-key-store';
import { testKeyPolicy } from '../../support/key-policy';
import { ManualClock } from '../../support/local-system';

const format = new KeyFormat('uak');
const alice: Caller = { sub: 'auth0|alice', sourceIp: '203.0.113.7', userAgent: 'curl/8.5' };
const bob: Caller = { sub: 'auth0|bob' };
const HOUR = 3600;
const DAY = 86_400;

describe('key lifecycle (KeyService with a fake clock)', () => {
  let clock: ManualClock;
  let store: InMemoryKeyStore;
  let keys: KeyService;
  let verifier: KeyVerifier;

  beforeEach(() => {
    clock = new ManualClock(new Date('2026-06-01T12:00:00.000Z'));
    store = new InMemoryKeyStore();
    keys = new KeyService({ store, format, policy: testKeyPolicy({ maxKeysPerUser: 3 }), clock: clock.now });
    verifier = new KeyVerifier({ store, format, clock: clock.now });
  });

  const works = async (key: string) => (await verifier.verify(`Bearer ${key}`)).valid;
  const create = (body: Record<string, unknown> = {}) => keys.create(alice, { name: 'ci', scopes: ['read'], ...body });

  describe('rotation', () => {
    it('gives a new key with the old name, scopes and expiry; both work during the grace period, then only the new one', async () => {
      const old = await create({ name: 'deploys', scopes: ['read', 'write'] });
      clock.advance(DAY);
      const rotated = await keys.rotate(alice, old.id, { gracePeriodSeconds: 600 });
      expect(rotated).toMatchObject({ name: 'deploys', scopes: ['read', 'write'], expiresAt: old.expiresAt, rotatedFrom: old.id });
      expect(rotated.id).not.toBe(old.id);
      expect(rotated.replaced).toEqual({ id: old.id, expiresAt: new Date(clock.now().getTime() + 600_000).toISOString() });
      expect(await works(old.key)).toBe(true);
      expect(await works(rotated.key)).toBe(true);
      clock.advance(599);
      expect(await works(old.key)).toBe(true);
      clock.advance(1);
      expect(await works(old.key)).toBe(false);
      expect(await works(rotated.key)).toBe(true);
      expect(await keys.get(alice.sub, old.id)).toMatchObject({ status: 'rotated', replacedBy: rotated.id });
      expect(await keys.get(alice.sub, rotated.id)).toMatchObject({ status: 'active', rotatedFrom: old.id });
    });

    it('with a grace period of 0, refuses the old key at once', async () => {
      const old = await create();
      const rotated = await keys.rotate(alice, old.id, { gracePeriodSeconds: 0 });
      expect(await works(old.key)).toBe(false);
      expect(await works(rotated.key)).toBe(true);
    });

    it(`defaults to ${DEFAULT_GRACE_PERIOD_SECONDS} s without a body`, async () => {
      const old = await create();
      const rotated = await keys.rotate(alice, old.id, undefined);
      expect(Date.parse(rotated.replaced.expiresAt) - clock.now().getTime()).toBe(DEFAULT_GRACE_PERIOD_SECONDS * 1000);
    });

    it('never gives the old key longer than its own expiry, nor the new key a later one', async () => {
      const expiresAt = new Date(clock.now().getTime() + HOUR * 1000).toISOString();
      const old = await create({ expiresAt });
      const rotated = await keys.rotate(alice, old.id, { gracePeriodSeconds: MAX_GRACE_PERIOD_SECONDS });
      expect(rotated.replaced.expiresAt).toBe(expiresAt);
      expect(rotated.expiresAt).toBe(expiresAt);
      clock.advance(HOUR);
      expect(await works(old.key)).toBe(false);
      expect(await works(rotated.key)).toBe(false);
    });

    it('refuses a revoked, an expired or an already rotated key with 409, and anyone else’s with 404', async () => {
      const revoked = await create();
      await keys.revoke(alice, revoked.id);
      expect(await rejection(keys.rotate(alice, revoked.id, {}))).toMatchObject({ status: 409, code: 'KEY_REVOKED' });

      const rotatedOnce = await create();
      const replacement = await keys.rotate(alice, rotatedOnce.id, { gracePeriodSeconds: 60 });
      const again = await rejection(keys.rotate(alice, rotatedOnce.id, {}));
      expect(again).toMatchObject({ status: 409, code: 'KEY_ALREADY_ROTATED' });
      expect(again.message).toContain(replacement.id);

      const expiring = await create({ expiresAt: new Date(clock.now().getTime() + 60_000).toISOString() });
      clock.advance(60);
      expect(await rejection(keys.rotate(alice, expiring.id, {}))).toMatchObject({ status: 409, code: 'KEY_EXPIRED' });

      const own = await keys.create(alice, { name: 'mine' });
      expect(await rejection(keys.rotate(bob, own.id, {}))).toMatchObject({ status: 404, code: 'KEY_NOT_FOUND' });
    });

    it.each([
      [{ gracePeriodSeconds: -1 }, 'gracePeriodSeconds must be from 0 to 604800'],
      [{ gracePeriodSeconds: MAX_GRACE_PERIOD_SECONDS + 1 }, 'gracePeriodSeconds must be from 0 to 604800'],
      [{ gracePeriodSeconds: 1.5 }, 'gracePeriodSeconds must be a whole number'],
      [{ gracePeriodSeconds: '60' }, 'gracePeriodSeconds must be a number'],
      [{ grace: 60 }, 'unknown field "grace"'],
      [[], 'expected object'],
    ])('refuses %j with 400', async (body, message) => {
      const old = await create();
      const error = await rejection(keys.rotate(alice, old.id, body));
      expect(error).toMatchObject({ status: 400 });
      expect(error.message.toLowerCase()).toContain(message.toLowerCase());
      expect(await works(old.key)).toBe(true);
    });

    it('works at the key limit (the old key counts until its grace period ends), but not past twice the limit', async () => {
      const held = [await create(), await create(), await create()];
      expect(await rejection(create())).toMatchObject({ status: 409, code: 'KEY_LIMIT_REACHED' });
      let current = held[0]!;
      for (let i = 0; i < 3; i += 1) current = await keys.rotate(alice, current.id, { gracePeriodSeconds: HOUR });
      expect(await rejection(keys.rotate(alice, current.id, { gracePeriodSeconds: HOUR }))).toMatchObject({ code: 'KEY_LIMIT_REACHED' });
      clock.advance(HOUR);
      await expect(keys.rotate(alice, current.id, { gracePeriodSeconds: HOUR })).resolves.toMatchObject({ rotatedFrom: current.id });
    });

    it('refuses with 409 a key whose scopes the operator no longer allows, rather than copy them', async () => {
      const old = await create({ scopes: ['write'] });
      const stricter = new KeyService({ store, format, policy: testKeyPolicy({ allowedScopes: ['read'] }), clock: clock.now });
      expect(await rejection(stricter.rotate(alice, old.id, {}))).toMatchObject({ status: 409, code: 'SCOPE_NO_LONGER_ALLOWED' });
    });

    it('lets a disabled key be rotated: the new key works, the old stays refused', async () => {
      const old = await create();
      await keys.update(alice, old.id, { enabled: false });
      const rotated = await keys.rotate(alice, old.id, { gracePeriodSeconds: HOUR });
      expect(await works(old.key)).toBe(false);
      expect(await works(rotated.key)).toBe(true);
    });
  });

  describe('enable, disable and rename (PATCH)', () => {
    it('disables a key (refused, status disabled), enables it again (works), and renames it', async () => {
      const created = await create({ name: 'laptop' });
      expect(await keys.update(alice, created.id, { enabled: false })).toMatchObject({
        status: 'disabled',
        enabled: false,
        name: 'laptop',
      });
      const verdict = await verifier.verify(`Bearer ${created.key}`);
      expect(verdict).toMatchObject({ valid: false, code: 'DISABLED' });
      expect(await keys.update(alice, created.id, { enabled: true, name: 'old laptop' })).toMatchObject({
        status: 'active',
        enabled: true,
        name: 'old laptop',
      });
      expect(await works(created.key)).toBe(true);
      expect(await keys.get(alice.sub, created.id)).toMatchObject({ name: 'old laptop', enabled: true });
    });

    it('treats revoked as final: 409 for every change, and the key stays refused', async () => {
      const created = await create();
      await keys.revoke(alice, created.id);
      for (const body of [{ enabled: true }, { name: 'revived' }, { enabled: false }]) {
        expect(await rejection(keys.update(alice, created.id, body))).toMatchObject({ status: 409, code: 'KEY_REVOKED' });
      }
      expect(await works(created.key)).toBe(false);
    });

    it.each([
      [{}, 'nothing to change'],
      [{ enabled: 'no' }, 'enabled must be true or false'],
      [{ name: '' }, 'name must be 1 to 100 characters'],
      [{ name: 'a\u0007b' }, 'control characters'],
      [{ name: 'x', scopes: ['admin'] }, 'unknown field "scopes"'],
      [{ name: 'x', expiresAt: '2030-01-01T00:00:00Z' }, 'unknown field "expiresAt"'],
    ])('refuses %j with 400 and changes nothing', async (body, message) => {
      const created = await create({ name: 'kept' });
      const error = await rejection(keys.update(alice, created.id, body));
      expect(error).toMatchObject({ status: 400 });
      expect(error.message).toContain(message);
      expect(await keys.get(alice.sub, created.id)).toMatchObject({ name: 'kept', enabled: true });
    });

    it('answers 404 for another user’s key and changes nothing', async () => {
      const created = await create({ name: 'alice’s' });
      expect(await rejection(keys.update(bob, created.id, { enabled: false, name: 'pwned' }))).toMatchObject({ status: 404 });
      expect(await keys.get(alice.sub, created.id)).toMatchObject({ name: 'alice’s', enabled: true });
      expect(await works(created.key)).toBe(true);
    });

    it('records nothing for a change that changes nothing', async () => {
      const created = await create({ name: 'same' });
      const before = store.events.length;
      expect(await keys.update(alice, created.id, { name: 'same', enabled: true })).toMatchObject({ name: 'same', enabled: true });
      expect(store.events.length).toBe(before);
    });

    it('judges again when the key changed between its read and its write, and then refuses a revoked key', async () => {
      const created = await create();
      const update = store.updateKey.bind(store);
      let raced = false;
      jest.spyOn(store, 'updateKey').mockImplementation(async (change) => {
        if (!raced) {
          raced = true;
          await keys.revoke(alice, created.id); // a concurrent revoke wins the race
        }
        return update(change);
      });
      expect(await rejection(keys.update(alice, created.id, { enabled: true, name: 'late' }))).toMatchObject({ code: 'KEY_REVOKED' });
      expect(await works(created.key)).toBe(false);
    });
  });

  describe('audit trail', () => {
    it('records every change with actor, time, source IP and user agent, newest first, for the owner only', async () => {
      const created = await create({ name: 'audited' });
      clock.advance(1);
      await keys.update(alice, created.id, { name: 'renamed', enabled: false });
      clock.advance(1);
      await keys.update(alice, created.id, { enabled: true });
      clock.advance(1);
      const rotated = await keys.rotate(alice, created.id, { gracePeriodSeconds: 0 });
      clock.advance(1);
      await keys.revoke(alice, rotated.id);
      await keys.revoke(alice, rotated.id); // idempotent: recorded once

      const { events } = await keys.events(alice.sub, created.id);
      expect(events.map((event) => event.type)).toEqual(['rotate', 'enable', 'disable', 'rename', 'create']);
      expect(events[3]).toEqual({
        type: 'rename',
        actor: alice.sub,
        at: '2026-06-01T12:00:01.000Z',
        sourceIp: '203.0.113.7',
        userAgent: 'curl/8.5',
        details: { from: 'audited', to: 'renamed' },
      });
      expect(events[0]?.details).toEqual({ replacedBy: rotated.id, graceEndsAt: '2026-06-01T12:00:03.000Z' });
      expect((await keys.events(alice.sub, rotated.id)).events).toEqual([
        expect.objectContaining({ type: 'revoke', at: '2026-06-01T12:00:04.000Z' }),
        expect.objectContaining({ type: 'create', details: { rotatedFrom: created.id } }),
      ]);
      expect(await rejection(keys.events(bob.sub, created.id))).toMatchObject({ status: 404, code: 'KEY_NOT_FOUND' });
    });

    it('keeps each event for the configured retention (its TTL)', async () => {
      const short = new KeyService({ store, format, policy: testKeyPolicy({ auditRetentionDays: 30 }), clock: clock.now });
      await short.create(alice, { name: 'x' });
      expect(store.events.at(-1)?.expiresAt).toBe(clock.now().getTime() / 1000 + 30 * DAY);
    });

    it('keeps a bounded user agent without control characters', async () => {
      await keys.create({ sub: alice.sub, userAgent: `evil\u001b]0;x\u0007${'y'.repeat(500)}` }, { name: 'x' });
      const recorded = store.events.at(-1)?.userAgent ?? '';
      expect(recorded).toHaveLength(256);
      expect(recorded).not.toMatch(/\p{C}/u);
    });

    it('pages with limit and cursor, and refuses unknown parameters', async () => {
      const created = await create();
      for (let i = 0; i < 4; i += 1) {
        clock.advance(1);
        await keys.update(alice, created.id, { name: `name ${i}` });
      }
      const first = await keys.events(alice.sub, created.id, { limit: '3' });
      expect(first.events).toHaveLength(3);
      const second = await keys.events(alice.sub, created.id, { limit: '3', cursor: first.nextCursor });
      expect([...first.events, ...second.events].map((e) => e.type)).toEqual(['rename', 'rename', 'rename', 'rename', 'create']);
      expect(second.nextCursor).toBeUndefined();
      expect(await rejection(keys.events(alice.sub, created.id, { type: 'rename' }))).toMatchObject({ status: 400 });
    });
  });

  describe('list filtered by status', () => {
    it('returns only keys in the given states, reading further pages to fill the page', async () => {
      const roomy = new KeyService({ store, format, policy: testKeyPolicy({ maxKeysPerUser: 50 }), clock: clock.now });
      const made = [];
      for (let i = 0; i < 12; i += 1) {
        clock.advance(1);
        made.push(await roomy.create(alice, { name: `k${i}` }));
      }
      for (const key of made.slice(0, 9)) await roomy.revoke(alice, key.id);
      await roomy.update(alice, made[9]!.id, { enabled: false });

      const active = await roomy.list(alice.sub, { status: 'active', limit: '5' });
      expect(active.keys.map((k) => k.name)).toEqual(['k11', 'k10']);
      const some = await roomy.list(alice.sub, { status: 'disabled,revoked', limit: '3' });
      expect(some.keys.map((k) => k.status)).toEqual(['disabled', 'revoked', 'revoked']);
      expect(some.nextCursor).toBeDefined();
      const rest = await roomy.list(alice.sub, { status: 'disabled,revoked', cursor: some.nextCursor });
      expect(rest.keys).toHaveLength(7);
      expect(await rejection(roomy.list(alice.sub, { status: 'gone' }))).toMatchObject({ status: 400 });
    });
  });
});
