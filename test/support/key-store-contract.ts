import { randomUUID } from 'node:crypto';
import type { StoredKey } from '../../lambdas/domain/api-key';
import type { AuditEvent } from '../../lambdas/domain/audit-event';
import type { KeyPage, KeyRotation, KeyStore, KeyUpdate, PageRequest } from '../../lambdas/domain/key-store';
import { rejection } from './domain-errors';
import { storedTestKey, testEvent, NEVER_PURGED } from './key-policy';

/** A store to hold to the contract, and how to let it go. */
export interface ContractSubject {
  readonly store: KeyStore;
  readonly close?: () => void;
}

// The wall clock (whole seconds): DynamoDB Local's TTL sweeper deletes keys that expired by it.
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const NOW_SECONDS = NOW.getTime() / 1000;
const later = (seconds: number): Date => new Date(NOW.getTime() + seconds * 1000);

const written = { outcome: 'written' } as const;
const conflict = { outcome: 'conflict' } as const;
const limitReached = (limit: number) => ({ outcome: 'limit-reached', limit }) as const;

/**
 * What every KeyStore must do, as one suite: run it against DynamoKeyStore on
 * DynamoDB Local (the truth) and against the in-memory store the unit tests
 * use, so the two cannot drift apart. Each test works on owners of its own, so
 * one store (one table) serves the whole suite.
 */
export function keyStoreContract(name: string, subject: () => Promise<ContractSubject>): void {
  describe(`KeyStore contract: ${name}`, () => {
    let store: KeyStore;
    let close: (() => void) | undefined;

    beforeAll(async () => {
      ({ store, close } = await subject());
    });
    afterAll(() => close?.());

    const owner = (label: string): string => `auth0|${label}-${randomUUID()}`;
    const newKey = (ownerId: string, overrides: Partial<StoredKey> = {}): StoredKey =>
      storedTestKey(ownerId, NOW, { expiresAt: NOW_SECONDS + 7200, ...overrides });
    const insert = (key: StoredKey, limit = 20, now = NOW) => store.insertKey(key, limit, now, testEvent(key, 'create', now));
    const revoke = (ownerId: string, keyId: string, at = NOW) =>
      store.revokeKey(ownerId, keyId, at, testEvent({ keyId, ownerId }, 'revoke', at), NEVER_PURGED);
    const eventTypes = async (keyId: string) => (await store.listEvents(keyId, { limit: 50 })).events.map((event) => event.type);
    const rotation = (old: StoredKey, overrides: Partial<KeyRotation> = {}): KeyRotation => {
      const next = newKey(old.ownerId, { expiresAt: old.expiresAt, rotatedFrom: old.keyId });
      return {
        oldKey: old,
        newKey: next,
        rotatedAt: later(1).toISOString(),
        graceEndsAt: NOW_SECONDS + 60,
        activeKeyCap: 40,
        events: [testEvent(old, 'rotate', later(1)), testEvent(next, 'create', later(1))],
        ...overrides,
      };
    };

    /** Every page, following cursors to the end; no page is larger than asked. */
    async function allPages<T>(read: (page: PageRequest) => Promise<{ items: T[]; nextCursor?: string | undefined }>, limit: number) {
      const pages: T[][] = [];
      let cursor: string | undefined;
      do {
        const page = await read(cursor === undefined ? { limit } : { limit, cursor });
        expect(page.items.length).toBeLessThanOrEqual(limit);
        pages.push(page.items);
        cursor = page.nextCursor;
      } while (cursor !== undefined && pages.length < 20);
      expect(cursor).toBeUndefined();
      return pages;
    }
    const keyPages = (ownerId: string) => (page: PageRequest) =>
      store
        .listKeys(ownerId, page)
        .then((result: KeyPage) => ({ items: result.keys.map((key) => key.keyId), nextCursor: result.nextCursor }));

    describe('insertKey and getKey', () => {
      it('reads back exactly what was inserted, with its create event; an unknown id is undefined', async () => {
        const key = newKey(owner('reader'), { scopes: ['read', 'write'] });
        await expect(insert(key)).resolves.toEqual(written);
        await expect(store.getKey(key.keyId)).resolves.toEqual(key);
        await expect(eventTypes(key.keyId)).resolves.toEqual(['create']);
        await expect(store.getKey(newKey('nobody').keyId)).resolves.toBeUndefined();
      });

      it('holds an owner to the limit, writing nothing for a refused key, and counts no one else’s keys', async () => {
        const ownerId = owner('limited');
        await insert(newKey(owner('neighbour')), 1);
        await expect(insert(newKey(ownerId), 2)).resolves.toEqual(written);
        await expect(insert(newKey(ownerId), 2)).resolves.toEqual(written);
        const refused = newKey(ownerId);
        await expect(insert(refused, 2)).resolves.toEqual(limitReached(2));
        await expect(store.getKey(refused.keyId)).resolves.toBeUndefined();
        await expect(eventTypes(refused.keyId)).resolves.toEqual([]);
        expect((await store.listKeys(ownerId, { limit: 50 })).keys).toHaveLength(2);
        // A higher limit admits the next one.
        await expect(insert(newKey(ownerId), 3)).resolves.toEqual(written);
      });

      it('frees the slot of a revoked key', async () => {
        const ownerId = owner('revoked-slot');
        const first = newKey(ownerId);
        await insert(first, 2);
        await insert(newKey(ownerId), 2);
        await expect(insert(newKey(ownerId), 2)).resolves.toEqual(limitReached(2));
        await revoke(ownerId, first.keyId);
        await expect(insert(newKey(ownerId), 2)).resolves.toEqual(written);
      });

      it('frees the slots of keys that have expired, once they have', async () => {
        const ownerId = owner('expiring');
        await insert(newKey(ownerId, { expiresAt: NOW_SECONDS + 60 }), 2);
        await insert(newKey(ownerId, { expiresAt: NOW_SECONDS + 7200 }), 2);
        await expect(insert(newKey(ownerId), 2)).resolves.toEqual(limitReached(2));
        await expect(insert(newKey(ownerId), 2, later(120))).resolves.toEqual(written);
        await expect(insert(newKey(ownerId), 2, later(120))).resolves.toEqual(limitReached(2));
      });
    });

    describe('revokeKey', () => {
      it('revokes for the owner once (one event), then answers already-revoked; another owner’s key is not found', async () => {
        const ownerId = owner('revoker');
        const key = newKey(ownerId);
        await insert(key);
        await expect(revoke(owner('intruder'), key.keyId)).resolves.toEqual({ outcome: 'not-found' });
        expect((await store.getKey(key.keyId))?.revokedAt).toBeUndefined();
        await expect(revoke(ownerId, key.keyId, later(1))).resolves.toEqual(written);
        await expect(revoke(ownerId, key.keyId, later(2))).resolves.toEqual({ outcome: 'already-revoked' });
        expect(await store.getKey(key.keyId)).toEqual({ ...key, revokedAt: later(1).toISOString() });
        await expect(eventTypes(key.keyId)).resolves.toEqual(['revoke', 'create']);
      });

      it('answers not-found for a key that does not exist', async () => {
        await expect(revoke(owner('anyone'), newKey('nobody').keyId)).resolves.toEqual({ outcome: 'not-found' });
      });
    });

    describe('rotateKey', () => {
      it('shortens and links the old key, stores the new one, writes both events', async () => {
        const old = newKey(owner('rotator'));
        await insert(old);
        const change = rotation(old);
        await expect(store.rotateKey(change, NOW)).resolves.toEqual(written);
        expect(await store.getKey(old.keyId)).toEqual({
          ...old,
          expiresAt: NOW_SECONDS + 60,
          rotatedAt: change.rotatedAt,
          replacedBy: change.newKey.keyId,
        });
        await expect(store.getKey(change.newKey.keyId)).resolves.toEqual(change.newKey);
        await expect(eventTypes(old.keyId)).resolves.toEqual(['rotate', 'create']);
        await expect(eventTypes(change.newKey.keyId)).resolves.toEqual(['create']);
      });

      it('answers conflict, writing nothing, for a revoked, rotated, expired or someone else’s key', async () => {
        const ownerId = owner('conflicted');
        const revoked = newKey(ownerId);
        await insert(revoked);
        await revoke(ownerId, revoked.keyId);
        const rotated = newKey(ownerId);
        await insert(rotated);
        await store.rotateKey(rotation(rotated), NOW);
        const expired = newKey(ownerId, { expiresAt: NOW_SECONDS + 5 });
        await insert(expired);
        const foreign = newKey(owner('someone'));
        await insert(foreign);

        for (const [old, now] of [
          [revoked, NOW],
          [rotated, NOW],
          [expired, later(10)],
          [{ ...foreign, ownerId }, NOW],
        ] as const) {
          const change = rotation(old);
          await expect(store.rotateKey(change, now)).resolves.toEqual(conflict);
          await expect(store.getKey(change.newKey.keyId)).resolves.toBeUndefined();
          await expect(eventTypes(change.newKey.keyId)).resolves.toEqual([]);
        }
        expect((await store.getKey(foreign.keyId))?.replacedBy).toBeUndefined();
      });

      it('answers conflict rather than limit-reached when the key changed and the owner is also at the cap', async () => {
        const ownerId = owner('conflict-first');
        const revoked = newKey(ownerId);
        await insert(revoked, 2);
        await insert(newKey(ownerId), 2);
        await insert(newKey(ownerId), 3);
        await revoke(ownerId, revoked.keyId);
        await expect(store.rotateKey(rotation(revoked, { activeKeyCap: 2 }), NOW)).resolves.toEqual(conflict);
      });

      it('holds the owner to the cap, counting keys in their grace period until it ends', async () => {
        const ownerId = owner('capped');
        const keys = [newKey(ownerId), newKey(ownerId)];
        for (const key of keys) await insert(key, 2);
        const refused = rotation(keys[0]!, { activeKeyCap: 2 });
        await expect(store.rotateKey(refused, NOW)).resolves.toEqual(limitReached(2));
        await expect(store.getKey(refused.newKey.keyId)).resolves.toBeUndefined();
        expect((await store.getKey(keys[0]!.keyId))?.replacedBy).toBeUndefined();
        await expect(store.rotateKey(rotation(keys[0]!, { activeKeyCap: 3, graceEndsAt: NOW_SECONDS + 1 }), NOW)).resolves.toEqual(written);
        // Three now count (the rotated key in its grace period too), so a cap of 3 is full...
        await expect(store.rotateKey(rotation(keys[1]!, { activeKeyCap: 3 }), NOW)).resolves.toEqual(limitReached(3));
        // ...until the first key's grace period is over.
        await expect(store.rotateKey(rotation(keys[1]!, { activeKeyCap: 3 }), later(2))).resolves.toEqual(written);
      });
    });

    describe('updateKey', () => {
      const change = (key: StoredKey, fields: Omit<KeyUpdate, 'ownerId' | 'keyId' | 'events'>, events: AuditEvent[]): KeyUpdate => ({
        ownerId: key.ownerId,
        keyId: key.keyId,
        events,
        ...fields,
      });

      it('renames, disables and enables while the key is as expected, with its events', async () => {
        const key = newKey(owner('updater'), { name: 'before' });
        await insert(key);
        const disabledAt = later(1).toISOString();
        await expect(
          store.updateKey(
            change(key, { expected: { name: 'before', disabled: false }, name: 'after', disabledAt }, [
              testEvent(key, 'rename', later(1)),
              testEvent(key, 'disable', later(1)),
            ]),
          ),
        ).resolves.toEqual(written);
        expect(await store.getKey(key.keyId)).toEqual({ ...key, name: 'after', disabledAt });
        await expect(
          store.updateKey(
            change(key, { expected: { name: 'after', disabled: true }, disabledAt: null }, [testEvent(key, 'enable', later(2))]),
          ),
        ).resolves.toEqual(written);
        expect(await store.getKey(key.keyId)).toEqual({ ...key, name: 'after' });
        // Newest first; of one change's events, the later-written first.
        await expect(eventTypes(key.keyId)).resolves.toEqual(['enable', 'disable', 'rename', 'create']);
      });

      it('answers conflict, writing nothing, when the name or state changed since the read, or the key is someone else’s', async () => {
        const key = newKey(owner('stale'), { name: 'current' });
        await insert(key);
        const rename = [testEvent(key, 'rename', later(1))];
        for (const stale of [
          change(key, { expected: { name: 'old name', disabled: false }, name: 'x' }, rename),
          change(key, { expected: { name: 'current', disabled: true }, name: 'x' }, rename),
          { ...change(key, { expected: { name: 'current', disabled: false }, name: 'x' }, rename), ownerId: owner('intruder') },
          { ...change(key, { expected: { name: 'current', disabled: false }, name: 'x' }, rename), keyId: newKey('nobody').keyId },
        ]) {
          await expect(store.updateKey(stale)).resolves.toEqual(conflict);
        }
        await expect(store.getKey(key.keyId)).resolves.toEqual(key);
        await expect(eventTypes(key.keyId)).resolves.toEqual(['create']);
      });

      it('answers conflict for a revoked key: revocation is final', async () => {
        const key = newKey(owner('final'));
        await insert(key);
        await revoke(key.ownerId, key.keyId);
        const enable = change(key, { expected: { name: key.name, disabled: false }, name: 'revived' }, [
          testEvent(key, 'rename', later(1)),
        ]);
        await expect(store.updateKey(enable)).resolves.toEqual(conflict);
        expect((await store.getKey(key.keyId))?.name).toBe(key.name);
      });
    });

    describe('listKeys', () => {
      it('lists the owner’s keys newest first, without hashes, and nobody else’s', async () => {
        const ownerId = owner('lister');
        const first = newKey(ownerId, { createdAt: '2026-06-01T10:00:00.000Z' });
        const second = newKey(ownerId, { createdAt: '2026-06-01T11:00:00.000Z' });
        await insert(second);
        await insert(first);
        await insert(newKey(owner('someone-else')));
        const listed = await store.listKeys(ownerId, { limit: 50 });
        expect(listed.keys.map((key) => key.keyId)).toEqual([second.keyId, first.keyId]);
        expect(listed.nextCursor).toBeUndefined();
        const { secretHash: _hidden, ...summary } = second;
        expect(listed.keys[0]).toEqual(summary);
        for (const key of listed.keys) expect(key).not.toHaveProperty('secretHash');
        await expect(store.listKeys(owner('nobody'), { limit: 50 })).resolves.toEqual({ keys: [] });
      });

      it('pages with cursors that only their owner can use', async () => {
        const ownerId = owner('pager');
        const created: StoredKey[] = [];
        for (let i = 0; i < 5; i += 1) {
          const key = newKey(ownerId, { createdAt: `2026-06-01T10:0${i}:00.000Z` });
          created.push(key);
          await insert(key);
        }
        const newestFirst = created.map((key) => key.keyId).reverse();
        const pages = await allPages(keyPages(ownerId), 2);
        expect(pages.slice(0, 3)).toEqual([newestFirst.slice(0, 2), newestFirst.slice(2, 4), newestFirst.slice(4)]);
        expect(pages.flat()).toEqual(newestFirst);

        const first = await store.listKeys(ownerId, { limit: 2 });
        expect(first.nextCursor).toEqual(expect.any(String));
        expect(await rejection(store.listKeys(owner('thief'), { limit: 2, cursor: first.nextCursor! }))).toMatchObject({
          status: 400,
          code: 'INVALID_CURSOR',
        });
        for (const junk of ['!!!', 'e30', Buffer.from('{"pk":1}').toString('base64url')]) {
          expect(await rejection(store.listKeys(ownerId, { limit: 2, cursor: junk }))).toMatchObject({ code: 'INVALID_CURSOR' });
        }
      });
    });

    describe('listEvents', () => {
      it('pages a key’s events newest first, with cursors bound to that key', async () => {
        const key = newKey(owner('history'));
        await insert(key);
        for (let i = 0; i < 4; i += 1) {
          await store.updateKey({
            ownerId: key.ownerId,
            keyId: key.keyId,
            expected: { name: i === 0 ? key.name : `n${i - 1}`, disabled: false },
            name: `n${i}`,
            events: [testEvent(key, 'rename', later(i + 1))],
          });
        }
        const pages = await allPages(
          (page) => store.listEvents(key.keyId, page).then((result) => ({ items: result.events, nextCursor: result.nextCursor })),
          2,
        );
        const all = pages.flat();
        expect(pages[0]).toHaveLength(2);
        expect(all.map((event) => event.type)).toEqual(['rename', 'rename', 'rename', 'rename', 'create']);
        expect(all.map((event) => event.at)).toEqual([later(4), later(3), later(2), later(1), NOW].map((at) => at.toISOString()));
        expect(all[0]).toEqual(testEvent(key, 'rename', later(4)));

        const first = await store.listEvents(key.keyId, { limit: 2 });
        expect(await rejection(store.listEvents(newKey('other').keyId, { limit: 2, cursor: first.nextCursor! }))).toMatchObject({
          status: 400,
          code: 'INVALID_CURSOR',
        });
        await expect(store.listEvents(newKey('nobody').keyId, { limit: 10 })).resolves.toEqual({ events: [] });
      });

      it('orders by the time of each event, not by when it was written', async () => {
        const key = newKey(owner('clock-skew'));
        await insert(key);
        await store.updateKey({
          ownerId: key.ownerId,
          keyId: key.keyId,
          expected: { name: key.name, disabled: false },
          name: 'renamed',
          events: [testEvent(key, 'rename', later(5))],
        });
        await revoke(key.ownerId, key.keyId, later(2));
        await expect(eventTypes(key.keyId)).resolves.toEqual(['rename', 'revoke', 'create']);
      });
    });
  });
}
