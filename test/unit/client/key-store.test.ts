import { chmodSync, mkdtempSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyStore, KeyStoreError } from '../../../client/key-store';
import { rejection } from './scripted-fetch';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const saved = { id: 'ID', key: 'uak_ID_secret', endpoint: 'https://api.example.com', expiresAt: '2026-08-30T12:00:00.000Z' };
const fresh = () => join(mkdtempSync(join(tmpdir(), 'key-store-')), 'nested', 'mycli');

describe('KeyStore', () => {
  it('saves the key 0600 in a 0700 directory, whole, and loads it back', async () => {
    const dir = fresh();
    const store = new KeyStore(join(dir, 'api-key.json'), { now: () => NOW });
    expect(await store.load()).toBeUndefined();
    await store.save(saved);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    expect(await store.load()).toEqual(saved);
    await store.save({ ...saved, id: 'NEW' });
    expect((await store.load())?.id).toBe('NEW');
    expect(readdirSync(dir)).toEqual(['api-key.json']); // no temporary file left behind
    expect(await store.remove()).toBe(true);
    expect(await store.remove()).toBe(false);
    expect(await store.load()).toBeUndefined();
  });

  it('loads nothing once the key has expired, and leaves the file', async () => {
    const path = join(fresh(), 'api-key.json');
    await new KeyStore(path).save(saved);
    const later = new KeyStore(path, { now: () => new Date('2026-08-30T12:00:00.000Z') });
    expect(await later.load()).toBeUndefined();
    expect(statSync(path).isFile()).toBe(true);
  });

  it('refuses a file others can read: the key in it may be known', async () => {
    const store = new KeyStore(join(fresh(), 'api-key.json'), { now: () => NOW });
    await store.save(saved);
    for (const mode of [0o640, 0o604]) {
      chmodSync(store.path, mode);
      const error = await rejection(store.load());
      expect(error).toBeInstanceOf(KeyStoreError);
      expect(error).toMatchObject({ code: 'KEY_FILE_EXPOSED', path: store.path });
      expect((error as Error).message).not.toContain(saved.key);
    }
  });

  it('refuses a link put in the file’s place, and a file that is not a saved key', async () => {
    const dir = fresh();
    const store = new KeyStore(join(dir, 'api-key.json'), { now: () => NOW });
    await store.save(saved);
    const elsewhere = join(dir, 'elsewhere.json');
    writeFileSync(elsewhere, JSON.stringify(saved), { mode: 0o600 });
    const linked = new KeyStore(join(dir, 'linked.json'));
    symlinkSync(elsewhere, linked.path);
    expect(await rejection(linked.load())).toMatchObject({ code: 'KEY_FILE_EXPOSED' });
    writeFileSync(store.path, '{"id":"ID"}', { mode: 0o600 });
    expect(await rejection(store.load())).toMatchObject({ code: 'KEY_FILE_INVALID' });
  });
});
