import { createHash } from 'node:crypto';
import { BoundedStore } from '../../../local/dev-idp/bounded-store';
import { scriptJson } from '../../../local/dev-idp/authorization-response';
import { isCodeChallenge, verifiesChallenge } from '../../../local/dev-idp/pkce';
import { pkcePair } from './dev-idp-browser';

describe('BoundedStore', () => {
  it('never holds more than its maximum, evicting the oldest', () => {
    const store = new BoundedStore<{ expiresAt: number; n: number }>(3);
    for (let n = 0; n < 10; n += 1) store.set(`k${n}`, { expiresAt: 1000, n }, 0);
    expect(store.size).toBe(3);
    expect(store.get('k6', 0)).toBeUndefined();
    expect([7, 8, 9].map((n) => store.get(`k${n}`, 0)?.n)).toEqual([7, 8, 9]);
  });

  it('makes room by dropping expired entries before the oldest live one', () => {
    const store = new BoundedStore<{ expiresAt: number }>(2);
    store.set('old-live', { expiresAt: 1000 }, 0);
    store.set('expired', { expiresAt: 10 }, 0);
    store.set('new', { expiresAt: 1000 }, 20);
    expect(store.get('old-live', 20)).toBeDefined();
    expect(store.get('new', 20)).toBeDefined();
    expect(store.size).toBe(2);
  });

  it('answers nothing for an expired entry, from its expiry on', () => {
    const store = new BoundedStore<{ expiresAt: number }>(2);
    store.set('k', { expiresAt: 100 }, 0);
    expect(store.get('k', 99)).toBeDefined();
    expect(store.get('k', 100)).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('refuses a maximum that is not a positive integer', () => {
    expect(() => new BoundedStore(0)).toThrow('maxEntries');
    expect(() => new BoundedStore(1.5)).toThrow('maxEntries');
  });
});

describe('PKCE S256', () => {
  it('verifies the verifier whose SHA-256 is the challenge, and no other', () => {
    const { verifier, challenge } = pkcePair();
    expect(isCodeChallenge(challenge)).toBe(true);
    expect(verifiesChallenge(verifier, challenge)).toBe(true);
    expect(verifiesChallenge(pkcePair().verifier, challenge)).toBe(false);
    expect(verifiesChallenge(undefined, challenge)).toBe(false);
    // The RFC 7636 appendix B example.
    expect(verifiesChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')).toBe(true);
  });

  it('refuses verifiers outside 43-128 unreserved characters', () => {
    const challengeOf = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');
    for (const verifier of ['a'.repeat(42), 'a'.repeat(129), `${'a'.repeat(42)}+`]) {
      expect(verifiesChallenge(verifier, challengeOf(verifier))).toBe(false);
    }
    for (const verifier of ['a'.repeat(43), 'a'.repeat(128), `${'a'.repeat(40)}-._~`]) {
      expect(verifiesChallenge(verifier, challengeOf(verifier))).toBe(true);
    }
  });
});

describe('scriptJson', () => {
  it('escapes what could end or break an inline script, and still parses to the same value', () => {
    const value = { s: '</script><!-- & > \u2028\u2029' };
    const json = scriptJson(value);
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(json).toContain('\\u003c/script\\u003e');
    expect(JSON.parse(json)).toEqual(value);
  });
});
