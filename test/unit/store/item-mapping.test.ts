import type { StoredKey } from '../../../lambdas/domain/api-key';
import { KeyNotFoundError } from '../../../lambdas/domain/errors';
import { hashSecret } from '../../../lambdas/domain/secret-hash';
import { judgeKey } from '../../../lambdas/domain/verdict';
import { toItem, toKeySummary, toStoredKey } from '../../../lambdas/store/item-mapping';

const key: StoredKey = {
  keyId: '0123456789ABCDEFGHIJab',
  ownerId: 'auth0|alice',
  secretHash: 'a'.repeat(64),
  name: 'ci',
  scopes: ['read'],
  createdAt: '2026-06-01T00:00:00.000Z',
  expiresAt: 1_800_000_000,
};

describe('item mapping', () => {
  it('round-trips a key through its item, partition key = key id', () => {
    const item = toItem({ ...key, revokedAt: '2026-06-02T00:00:00.000Z' });
    expect(item.pk).toBe(key.keyId);
    expect(toStoredKey(item)).toEqual({ ...key, revokedAt: '2026-06-02T00:00:00.000Z' });
  });

  it('leaves the hash out of summaries', () => {
    expect(toKeySummary(toItem(key))).not.toHaveProperty('secretHash');
  });

  it.each<[string, Record<string, unknown>]>([
    ['no owner', { ownerId: undefined }],
    ['an empty owner', { ownerId: '' }],
    ['a numeric name', { name: 7 }],
    ['scopes that are not strings', { scopes: [1] }],
    ['a string expiry', { expiresAt: '1800000000' }],
    ['a fractional expiry', { expiresAt: 1.5 }],
    ['an expiry past the year 9999', { expiresAt: 1e15 }],
    ['a negative expiry', { expiresAt: -1 }],
    ['a non-string revocation', { revokedAt: true }],
    ['no hash', { secretHash: undefined }],
    ['a partition key that is not the key id', { pk: 'someone-else' }],
  ])('treats an item with %s as absent', (_label, change) => {
    const item = { ...toItem(key), ...change };
    for (const [name, value] of Object.entries(change)) if (value === undefined) Reflect.deleteProperty(item, name);
    expect(toStoredKey(item)).toBeUndefined();
  });
});

describe('fail-closed details', () => {
  it('treats a key whose expiry is not a finite number as expired', () => {
    const stored = { ...key, secretHash: hashSecret('s'), expiresAt: Number.NaN };
    expect(judgeKey({ keyId: key.keyId, secret: 's' }, stored, new Date(0))).toEqual({ valid: false, code: 'EXPIRED', keyId: key.keyId });
  });

  it('never echoes a whole key pasted where an id belongs', () => {
    const pasted = `uak_${key.keyId}_${'x'.repeat(49)}`;
    expect(new KeyNotFoundError(pasted).message).toBe('No key with that id');
    expect(new KeyNotFoundError(key.keyId).message).toBe(`No key with id "${key.keyId}"`);
  });
});
