import { rotatedKeySet, signingKeys } from '../../../lambdas/domain/signing-keys';
import { loadedTokenKeys, parseTokenKeySet, TokenKeySetError, tokenKeySetOf } from '../../../lambdas/domain/token-keys';

describe('the access token key set (the token exchange’s secret)', () => {
  const signing = rotatedKeySet(rotatedKeySet(undefined, new Date('2026-06-01T00:00:00Z')), new Date('2026-07-01T00:00:00Z'));

  it('holds one MAC key per signing key, with its kid and activeFrom, and none of the signing keys’ private parts', () => {
    const set = tokenKeySetOf(signing);
    expect(set.keys.map(({ kid, activeFrom }) => ({ kid, activeFrom }))).toEqual(
      signing.keys.map(({ kid, activeFrom }) => ({ kid, activeFrom })),
    );
    const text = JSON.stringify(set);
    for (const key of signing.keys) expect(text).not.toContain(key.d);
    const loaded = loadedTokenKeys(parseTokenKeySet(text));
    signingKeys(signing).forEach((derived, i) => {
      expect(loaded[i]!.macKey.export().equals(derived.macKey.export())).toBe(true);
    });
  });

  it.each([
    ['the placeholder the secret is made with', 'kq3;Xx9!random'],
    ['no value', undefined],
    ['another version', JSON.stringify({ v: 2, keys: [] })],
    ['no keys', JSON.stringify({ v: 1, keys: [] })],
    ['a short MAC key', JSON.stringify({ v: 1, keys: [{ kid: 'k', activeFrom: '2026-01-01T00:00:00Z', mac: 'c2hvcnQ' }] })],
    ['a bad time', JSON.stringify({ v: 1, keys: [{ kid: 'k', activeFrom: 'soon', mac: 'A'.repeat(43) }] })],
  ])('refuses %s, without echoing the value', (_label, text) => {
    expect(() => parseTokenKeySet(text)).toThrow(TokenKeySetError);
    try {
      parseTokenKeySet(text);
    } catch (error) {
      if (text !== undefined) expect((error as Error).message).not.toContain(text);
    }
  });
});
