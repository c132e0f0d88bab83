import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import {
  AccessTokens,
  MAX_ACCESS_TOKEN_LENGTH,
  tokenMacKey,
  type AccessTokenClaims,
  type TokenKey,
  type TokenKeySource,
} from '../../../lambdas/domain/access-token';
import { KeyFormat } from '../../../lambdas/domain/key-format';
import { hashSecret } from '../../../lambdas/domain/secret-hash';
import { rotatedKeySet, signingKeys } from '../../../lambdas/domain/signing-keys';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const NOW_MS = NOW.getTime();
const NOW_S = NOW_MS / 1000;
const format = new KeyFormat('uak');

// Two independent signing key sets: two keys, two MAC keys.
const setA = rotatedKeySet(undefined, NOW);
const setB = rotatedKeySet(undefined, NOW);
const keyA = signingKeys(setA)[0]!;
const keyB = signingKeys(setB)[0]!;

const NATIVE_KEY_ID = 'TestKeyId0000000000000';
const STORMPATH_KEY_ID = 'TESTSTORMPATHKEYID0000001';
const CLAIMS: AccessTokenClaims = { keyId: NATIVE_KEY_ID, scopes: ['orders:read', 'orders:write'], expiresAt: NOW_S + 3600 };

const INVALID = { ok: false, code: 'INVALID_TOKEN' };

/** A key source over `known`, minting with `current`; both calls counted. */
function source(current: TokenKey, known: readonly TokenKey[] = [current]) {
  const currentCalls = jest.fn(() => Promise.resolve(current));
  const byKid = jest.fn((kid: string) => Promise.resolve(known.find((key) => key.kid === kid)));
  const keys: TokenKeySource = { current: currentCalls, byKid };
  return { keys, current: currentCalls, byKid };
}

const tokensOver = (current: TokenKey, known?: readonly TokenKey[]) => new AccessTokens('uak', source(current, known).keys);

/** A token whose MAC is right for `key`, over any claims text: what only a holder of the MAC key can make. */
function signedOver(claimsText: string, key: TokenKey = keyA, marker = 'uak_at_'): string {
  const signed = `${marker}${key.kid}.${Buffer.from(claimsText).toString('base64url')}`;
  return `${signed}.${createHmac('sha256', key.macKey).update(signed).digest('base64url')}`;
}

const B64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const OTHER_CHARS = ['.', '=', '+', '/', ' ', '\0', '\n', '%', 'é', '\u200b'];

describe('AccessTokens: mint, then check', () => {
  it('round-trips the claims, with the marker and the signing key’s kid in front', async () => {
    const { keys, byKid, current } = source(keyA);
    const tokens = new AccessTokens('uak', keys);
    const token = await tokens.mint(CLAIMS);
    expect(token.startsWith(`uak_at_${keyA.kid}.`)).toBe(true);
    expect(token.split('.')).toHaveLength(3);
    expect(tokens.isToken(token)).toBe(true);
    await expect(tokens.check(token, NOW_MS)).resolves.toEqual({ ok: true, claims: CLAIMS });
    expect(current).toHaveBeenCalledTimes(1);
    expect(byKid.mock.calls).toEqual([[keyA.kid]]);
  });

  it('round-trips a Stormpath key id, no scopes, and many scopes', async () => {
    const tokens = tokensOver(keyA);
    for (const claims of [
      { keyId: STORMPATH_KEY_ID, scopes: ['read'], expiresAt: NOW_S + 60 },
      { keyId: NATIVE_KEY_ID, scopes: [], expiresAt: NOW_S + 1 },
      { keyId: NATIVE_KEY_ID, scopes: Array.from({ length: 40 }, (_, i) => `scope:${i}`), expiresAt: NOW_S + 3600 },
    ]) {
      await expect(tokens.check(await tokens.mint(claims), NOW_MS)).resolves.toEqual({ ok: true, claims });
    }
  });

  it('round-trips any key id, scopes and expiry (property)', async () => {
    const tokens = tokensOver(keyA);
    const keyId = fc.oneof(
      fc.constant(null).map(() => format.generate().keyId),
      fc.string({ unit: fc.constantFrom(...Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')), minLength: 25, maxLength: 25 }),
    );
    const scope = fc.string({ unit: fc.constantFrom(...Array.from('abcxyz:/._-ABC019*')), minLength: 1, maxLength: 30 });
    await fc.assert(
      fc.asyncProperty(keyId, fc.uniqueArray(scope, { maxLength: 10 }), fc.integer({ min: 1, max: 3600 }), async (id, scopes, ttl) => {
        const claims = { keyId: id, scopes, expiresAt: NOW_S + ttl };
        await expect(tokens.check(await tokens.mint(claims), NOW_MS)).resolves.toEqual({ ok: true, claims });
      }),
      { numRuns: 300 },
    );
  });
});

describe('AccessTokens refuses any change to a token', () => {
  let token: string;
  let tokens: AccessTokens;

  beforeAll(async () => {
    tokens = tokensOver(keyA);
    token = await tokens.mint(CLAIMS);
  });

  it('(control) the unchanged token passes', async () => {
    await expect(tokens.check(token, NOW_MS)).resolves.toMatchObject({ ok: true });
  });

  it('refuses every single-character substitution, at every position (exhaustive)', async () => {
    const accepted: string[] = [];
    for (let i = 0; i < token.length; i += 1) {
      for (const char of [...Array.from(B64URL_ALPHABET), ...OTHER_CHARS]) {
        if (char === token[i]) continue;
        const changed = token.slice(0, i) + char + token.slice(i + 1);
        const result = await tokens.check(changed, NOW_MS);
        if (result.ok || result.code !== 'INVALID_TOKEN') accepted.push(`${i}:${char}`);
      }
    }
    expect(accepted).toEqual([]);
  });

  it('refuses every single-character deletion and insertion (exhaustive)', async () => {
    const accepted: string[] = [];
    for (let i = 0; i <= token.length; i += 1) {
      if (i < token.length) {
        const result = await tokens.check(token.slice(0, i) + token.slice(i + 1), NOW_MS);
        if (result.ok || result.code !== 'INVALID_TOKEN') accepted.push(`delete ${i}`);
      }
      for (const char of ['A', 'g', '_', '.', '=']) {
        const result = await tokens.check(token.slice(0, i) + char + token.slice(i), NOW_MS);
        if (result.ok || result.code !== 'INVALID_TOKEN') accepted.push(`insert ${i}:${char}`);
      }
    }
    expect(accepted).toEqual([]);
  });

  it('refuses a changed last MAC character whose low bits base64url decoding drops (non-canonical encoding)', async () => {
    // 32 bytes are 43 base64url characters with 2 bits to spare: A..D all decode to the same last byte as each other.
    const mac = token.slice(token.lastIndexOf('.') + 1);
    const last = B64URL_ALPHABET.indexOf(mac.slice(-1));
    const sameBytes = [0, 1, 2, 3].map((low) => B64URL_ALPHABET[(last & ~3) | low]!).filter((char) => char !== mac.slice(-1));
    for (const char of sameBytes) {
      const changed = token.slice(0, -1) + char;
      expect(Buffer.from(changed.slice(changed.lastIndexOf('.') + 1), 'base64url')).toEqual(Buffer.from(mac, 'base64url'));
      await expect(tokens.check(changed, NOW_MS)).resolves.toEqual(INVALID);
    }
  });

  it('refuses random edits of random tokens (property)', async () => {
    const anyChar = fc.oneof(
      fc.constantFrom(...Array.from(B64URL_ALPHABET), ...OTHER_CHARS),
      fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3600 }), fc.nat(), anyChar, async (ttl, at, char) => {
        const minted = await tokens.mint({ ...CLAIMS, expiresAt: NOW_S + ttl });
        const index = at % minted.length;
        fc.pre(minted[index] !== char);
        const changed = minted.slice(0, index) + char + minted.slice(index + 1);
        await expect(tokens.check(changed, NOW_MS)).resolves.toEqual(INVALID);
      }),
      { numRuns: 500 },
    );
  });
});

describe('AccessTokens refuses tokens it did not mint', () => {
  it('refuses a token minted with another signing key (its kid unknown here)', async () => {
    const token = await tokensOver(keyB).mint(CLAIMS);
    await expect(tokensOver(keyA).check(token, NOW_MS)).resolves.toEqual(INVALID);
  });

  it('refuses a token MACed with another key under a known kid', async () => {
    const forger = tokensOver({ kid: keyA.kid, macKey: keyB.macKey });
    const token = await forger.mint(CLAIMS);
    expect(token.startsWith(`uak_at_${keyA.kid}.`)).toBe(true);
    await expect(tokensOver(keyA).check(token, NOW_MS)).resolves.toEqual(INVALID);
  });

  it('refuses a token naming a kid the source does not know, after asking the source once', async () => {
    const token = await tokensOver(keyA).mint(CLAIMS);
    const { keys, byKid } = source(keyB);
    await expect(new AccessTokens('uak', keys).check(token, NOW_MS)).resolves.toEqual(INVALID);
    expect(byKid.mock.calls).toEqual([[keyA.kid]]);
  });

  it('accepts a token from either key of a set that holds both (an earlier key still checks after a rotation)', async () => {
    const both = [keyA, keyB];
    const old = await tokensOver(keyA).mint(CLAIMS);
    const fresh = await tokensOver(keyB).mint(CLAIMS);
    await expect(tokensOver(keyB, both).check(old, NOW_MS)).resolves.toMatchObject({ ok: true });
    await expect(tokensOver(keyA, both).check(fresh, NOW_MS)).resolves.toMatchObject({ ok: true });
  });

  it('refuses a token of another prefix, and a key of this prefix', async () => {
    const other = await new AccessTokens('abc', source(keyA).keys).mint(CLAIMS);
    const tokens = tokensOver(keyA);
    await expect(tokens.check(other, NOW_MS)).resolves.toEqual(INVALID);
    await expect(tokens.check(format.generate().key, NOW_MS)).resolves.toEqual(INVALID);
    // The same MAC as a real token of this prefix would need a different marker: swapping it in breaks the MAC.
    await expect(tokens.check(other.replace(/^abc_at_/, 'uak_at_'), NOW_MS)).resolves.toEqual(INVALID);
  });
});

describe('AccessTokens: expiry', () => {
  it('is TOKEN_EXPIRED from its expiry second on, naming the key; valid the millisecond before', async () => {
    const { keys, current, byKid } = source(keyA);
    const tokens = new AccessTokens('uak', keys);
    const token = await tokens.mint(CLAIMS);
    current.mockClear();
    await expect(tokens.check(token, CLAIMS.expiresAt * 1000 - 1)).resolves.toEqual({ ok: true, claims: CLAIMS });
    await expect(tokens.check(token, CLAIMS.expiresAt * 1000)).resolves.toEqual({ ok: false, code: 'TOKEN_EXPIRED', keyId: NATIVE_KEY_ID });
    await expect(tokens.check(token, CLAIMS.expiresAt * 1000 + 86_400_000)).resolves.toMatchObject({ code: 'TOKEN_EXPIRED' });
    // Checking never mints: the source is asked only for the token's own kid.
    expect(current).not.toHaveBeenCalled();
    expect(byKid.mock.calls).toEqual([[keyA.kid], [keyA.kid], [keyA.kid]]);
  });

  it('checks the MAC before the expiry: a tampered expired token is INVALID_TOKEN, not TOKEN_EXPIRED', async () => {
    const tokens = tokensOver(keyA);
    const token = await tokens.mint({ ...CLAIMS, expiresAt: NOW_S - 10 });
    await expect(tokens.check(token, NOW_MS)).resolves.toMatchObject({ code: 'TOKEN_EXPIRED' });
    await expect(tokens.check(`${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`, NOW_MS)).resolves.toEqual(INVALID);
  });
});

describe('AccessTokens refuses malformed tokens as INVALID_TOKEN, unread', () => {
  const tokens = () => {
    const parts = source(keyA);
    return { ...parts, tokens: new AccessTokens('uak', parts.keys) };
  };

  it('refuses a token over MAX_ACCESS_TOKEN_LENGTH without asking for a key', async () => {
    const { tokens: checker, byKid } = tokens();
    const long = signedOver(JSON.stringify({ v: 1, k: NATIVE_KEY_ID, s: ['x'.repeat(MAX_ACCESS_TOKEN_LENGTH)], e: NOW_S + 60 }));
    expect(long.length).toBeGreaterThan(MAX_ACCESS_TOKEN_LENGTH);
    await expect(checker.check(long, NOW_MS)).resolves.toEqual(INVALID);
    expect(byKid).not.toHaveBeenCalled();
  });

  it.each([
    ['the empty string', ''],
    ['the marker alone', 'uak_at_'],
    ['a wrong prefix', `abc_at_${keyA.kid}.e30.${'A'.repeat(43)}`],
    ['an upper-case marker', `UAK_AT_${keyA.kid}.e30.${'A'.repeat(43)}`],
    ['a Bearer scheme left on', `Bearer uak_at_${keyA.kid}.e30.${'A'.repeat(43)}`],
    ['two parts', `uak_at_${keyA.kid}.e30`],
    ['four parts', `uak_at_${keyA.kid}.e30.e30.${'A'.repeat(43)}`],
    ['an empty kid', `uak_at_.e30.${'A'.repeat(43)}`],
    ['an empty body', `uak_at_${keyA.kid}..${'A'.repeat(43)}`],
    ['an empty MAC', `uak_at_${keyA.kid}.e30.`],
    ['padding in the MAC', `uak_at_${keyA.kid}.e30.${'A'.repeat(42)}=`],
    ['standard base64 in the body', `uak_at_${keyA.kid}.e3+/.${'A'.repeat(43)}`],
    ['a space in the kid', `uak_at_${keyA.kid.slice(1)} .e30.${'A'.repeat(43)}`],
  ])('refuses %s, asking for no key', async (_label, candidate) => {
    const { tokens: checker, byKid } = tokens();
    await expect(checker.check(candidate, NOW_MS)).resolves.toEqual(INVALID);
    expect(byKid).not.toHaveBeenCalled();
  });

  it('refuses a real token with a part added or taken away, asking for no key', async () => {
    const { tokens: checker, byKid } = tokens();
    const token = await checker.mint(CLAIMS);
    const mac = token.slice(token.lastIndexOf('.') + 1);
    for (const candidate of [
      `${token}.${mac}`,
      `${token.slice(0, token.lastIndexOf('.'))}.e30.${mac}`,
      token.slice(0, token.lastIndexOf('.')),
    ]) {
      await expect(checker.check(candidate, NOW_MS)).resolves.toEqual(INVALID);
    }
    expect(byKid).not.toHaveBeenCalled();
  });

  it.each([
    ['a MAC one byte short', 31],
    ['a MAC one byte long', 33],
    ['a 64-byte MAC', 64],
  ])('refuses %s', async (_label, bytes) => {
    const { tokens: checker } = tokens();
    const token = await checker.mint(CLAIMS);
    const body = token.slice(0, token.lastIndexOf('.'));
    await expect(checker.check(`${body}.${Buffer.alloc(bytes, 1).toString('base64url')}`, NOW_MS)).resolves.toEqual(INVALID);
  });

  it('(control) the MAC helper makes tokens the checker accepts', async () => {
    const { tokens: checker } = tokens();
    await expect(checker.check(signedOver(JSON.stringify({ v: 1, k: NATIVE_KEY_ID, s: [], e: NOW_S + 60 })), NOW_MS)).resolves.toEqual({
      ok: true,
      claims: { keyId: NATIVE_KEY_ID, scopes: [], expiresAt: NOW_S + 60 },
    });
  });

  it.each([
    ['not JSON', 'not json'],
    ['truncated JSON', '{"v":1,"k":'],
    ['null', 'null'],
    ['a number', '42'],
    ['a string', '"uak"'],
    ['an array', '[1]'],
    ['an empty object', '{}'],
    ['version 2', JSON.stringify({ v: 2, k: NATIVE_KEY_ID, s: [], e: NOW_S + 60 })],
    ['version "1"', JSON.stringify({ v: '1', k: NATIVE_KEY_ID, s: [], e: NOW_S + 60 })],
    ['no key id', JSON.stringify({ v: 1, s: [], e: NOW_S + 60 })],
    ['a key id that is not one', JSON.stringify({ v: 1, k: 'not-a-key-id', s: [], e: NOW_S + 60 })],
    ['a lower-case Stormpath-length id', JSON.stringify({ v: 1, k: STORMPATH_KEY_ID.toLowerCase(), s: [], e: NOW_S + 60 })],
    ['a whole key as the key id', JSON.stringify({ v: 1, k: format.generate().key, s: [], e: NOW_S + 60 })],
    ['scopes not an array', JSON.stringify({ v: 1, k: NATIVE_KEY_ID, s: 'read', e: NOW_S + 60 })],
    ['a scope that is not a string', JSON.stringify({ v: 1, k: NATIVE_KEY_ID, s: ['read', 7], e: NOW_S + 60 })],
    ['no expiry', JSON.stringify({ v: 1, k: NATIVE_KEY_ID, s: [] })],
    ['a string expiry', JSON.stringify({ v: 1, k: NATIVE_KEY_ID, s: [], e: String(NOW_S + 60) })],
    ['a fractional expiry', JSON.stringify({ v: 1, k: NATIVE_KEY_ID, s: [], e: NOW_S + 60.5 })],
    ['an expiry past safe integers', `{"v":1,"k":"${NATIVE_KEY_ID}","s":[],"e":1e300}`],
  ])('refuses a valid MAC over bad claims: %s', async (_label, claimsText) => {
    const { tokens: checker } = tokens();
    await expect(checker.check(signedOver(claimsText), NOW_MS)).resolves.toEqual(INVALID);
  });

  it('never throws, and refuses, for arbitrary strings (property)', async () => {
    const { tokens: checker } = tokens();
    const b64url = fc.string({ unit: fc.constantFrom(...Array.from(B64URL_ALPHABET)), maxLength: 60 });
    const candidate = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.string({ unit: 'grapheme', maxLength: 200 }),
      fc.string({ unit: fc.constantFrom(...Array.from('uak_at.AZaz09-=+/ \0')), maxLength: 200 }),
      fc.tuple(fc.constantFrom('uak_at_', `uak_at_${keyA.kid}.`, ''), fc.string({ maxLength: 200 })).map(([head, rest]) => head + rest),
      fc.array(b64url, { maxLength: 5 }).map((parts) => `uak_at_${parts.join('.')}`),
      fc.tuple(b64url, b64url).map(([body, mac]) => `uak_at_${keyA.kid}.${body}.${mac}`),
      fc.nat({ max: 3 * MAX_ACCESS_TOKEN_LENGTH }).map((n) => `uak_at_${'A'.repeat(n)}`),
    );
    await fc.assert(
      fc.asyncProperty(candidate, async (text) => {
        await expect(checker.check(text, NOW_MS)).resolves.toEqual(INVALID);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('the MAC key', () => {
  it('is a secret key derived from the private scalar, not the ECDSA key itself', () => {
    expect(keyA.macKey.type).toBe('secret');
    expect(keyA.macKey.symmetricKeySize).toBe(32);
    const d = Buffer.from(setA.keys[0]!.d, 'base64url');
    expect(keyA.macKey.export().equals(d)).toBe(false);
    expect(keyA.privateKey.type).toBe('private');
    expect(keyA.macKey.equals(keyA.privateKey)).toBe(false);
  });

  it('is the same wherever it is derived from the same key (the exchange and the authorizer agree)', () => {
    expect(tokenMacKey(setA.keys[0]!.d).equals(keyA.macKey)).toBe(true);
    expect(signingKeys(setA)[0]!.macKey.equals(keyA.macKey)).toBe(true);
  });

  it('differs per signing key', () => {
    expect(keyA.macKey.equals(keyB.macKey)).toBe(false);
    const many = Array.from({ length: 10 }, () => signingKeys(rotatedKeySet(undefined, NOW))[0]!.macKey.export().toString('hex'));
    expect(new Set(many).size).toBe(10);
  });
});

describe('what a token carries', () => {
  it('carries the key id, scopes and expiry only: no secret, hash or key', async () => {
    const generated = format.generate();
    const token = await tokensOver(keyA).mint({ keyId: generated.keyId, scopes: ['read'], expiresAt: NOW_S + 60 });
    const [, body = ''] = token.slice('uak_at_'.length).split('.');
    expect(JSON.parse(Buffer.from(body, 'base64url').toString('utf8'))).toEqual({ v: 1, k: generated.keyId, s: ['read'], e: NOW_S + 60 });
    for (const secret of [generated.secret, generated.key, hashSecret(generated.secret), setA.keys[0]!.d]) {
      expect(token).not.toContain(secret);
      expect(Buffer.from(body, 'base64url').toString('utf8')).not.toContain(secret);
    }
  });

  it('has a marker no key of the prefix starts with', () => {
    const tokens = tokensOver(keyA);
    expect(tokens.marker).toBe('uak_at_');
    for (let i = 0; i < 100; i += 1) expect(tokens.isToken(format.generate().key)).toBe(false);
  });
});
