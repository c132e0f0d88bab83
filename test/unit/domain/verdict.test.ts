import fc from 'fast-check';
import type { StoredKey } from '../../../lambdas/domain/api-key';
import { keyStatus, toKeyView } from '../../../lambdas/domain/api-key';
import { KeyFormat } from '../../../lambdas/domain/key-format';
import { hashSecret } from '../../../lambdas/domain/secret-hash';
import { judgeKey, readPresentedKey } from '../../../lambdas/domain/verdict';

const format = new KeyFormat('uak');

// Obviously fake, fixed parts: tests are reproducible and nothing looks like a live key.
const KEY_ID = 'TestKeyId0000000000000';
const OTHER_KEY_ID = 'TestKeyId0000000000001';
const SECRET = 'TestSecret000000000000000000000000000000000';
const KEY = format.format(KEY_ID, SECRET);

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const basic = (user: string, password: string) => `Basic ${base64(`${user}:${password}`)}`;

describe('readPresentedKey', () => {
  const accepted = { ok: true, keyId: KEY_ID, secret: SECRET };
  const MALFORMED = { ok: false, code: 'MALFORMED' };

  it('has the fixture key well formed', () => {
    expect(format.parse(KEY).ok).toBe(true);
  });

  describe('Bearer', () => {
    it.each(['Bearer', 'bearer', 'BEARER', 'bEaReR'])('reads "%s <key>" (the scheme is case-insensitive)', (scheme) => {
      expect(readPresentedKey(`${scheme} ${KEY}`, format)).toEqual(accepted);
    });

    it('refuses a Bearer key that fails the checksum', () => {
      const damaged = `${KEY.slice(0, -1)}${KEY.endsWith('A') ? 'B' : 'A'}`;
      expect(readPresentedKey(`Bearer ${damaged}`, format)).toEqual(MALFORMED);
    });

    it('refuses a Bearer key with another prefix', () => {
      expect(readPresentedKey(`Bearer ${new KeyFormat('abc').format(KEY_ID, SECRET)}`, format)).toEqual(MALFORMED);
    });

    it('refuses a Bearer token that is not a key at all, such as a JWT', () => {
      expect(readPresentedKey('Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln', format)).toEqual(MALFORMED);
    });
  });

  describe('Basic', () => {
    it('reads base64(keyId:key)', () => {
      expect(readPresentedKey(basic(KEY_ID, KEY), format)).toEqual(accepted);
    });

    it('reads a lower-case basic scheme', () => {
      expect(readPresentedKey(basic(KEY_ID, KEY).replace('Basic', 'basic'), format)).toEqual(accepted);
    });

    it('refuses with KEY_ID_MISMATCH when the user name is another key id', () => {
      expect(readPresentedKey(basic(OTHER_KEY_ID, KEY), format)).toEqual({ ok: false, code: 'KEY_ID_MISMATCH' });
    });

    it('refuses with KEY_ID_MISMATCH when the user name is empty', () => {
      expect(readPresentedKey(basic('', KEY), format)).toEqual({ ok: false, code: 'KEY_ID_MISMATCH' });
    });

    it('refuses with KEY_ID_MISMATCH when the user name differs only in case', () => {
      expect(readPresentedKey(basic(KEY_ID.toLowerCase(), KEY), format)).toEqual({ ok: false, code: 'KEY_ID_MISMATCH' });
    });

    it('refuses the key without a user name and colon', () => {
      expect(readPresentedKey(`Basic ${base64(KEY)}`, format)).toEqual(MALFORMED);
    });

    it('refuses a malformed key even with the right key id', () => {
      expect(readPresentedKey(basic(KEY_ID, KEY.slice(0, -1)), format)).toEqual(MALFORMED);
      expect(readPresentedKey(basic(KEY_ID, `${KEY}\n`), format)).toEqual(MALFORMED);
      expect(readPresentedKey(basic(KEY_ID, ` ${KEY}`), format)).toEqual(MALFORMED);
    });

    it('refuses a key id and secret in place of the whole key', () => {
      expect(readPresentedKey(basic(KEY_ID, SECRET), format)).toEqual(MALFORMED);
    });

    it('refuses credentials that are not base64', () => {
      expect(readPresentedKey(`Basic ${KEY_ID}:${KEY}`, format)).toEqual(MALFORMED);
      expect(readPresentedKey('Basic !!!!', format)).toEqual(MALFORMED);
      expect(readPresentedKey('Basic ', format)).toEqual(MALFORMED);
    });
  });

  describe('absent header', () => {
    it.each([
      ['undefined', undefined],
      ['an empty string', ''],
    ])('returns MISSING for %s', (_label, header) => {
      expect(readPresentedKey(header, format)).toEqual({ ok: false, code: 'MISSING' });
    });
  });

  describe('refuses as MALFORMED', () => {
    it.each([
      ['a bare key without a scheme', KEY],
      ['an unknown scheme', `Token ${KEY}`],
      ['the ApiKey scheme', `ApiKey ${KEY}`],
      ['the scheme alone', 'Bearer'],
      ['the scheme and a space', 'Bearer '],
      ['no space after the scheme', `Bearer${KEY}`],
      ['two spaces after the scheme', `Bearer  ${KEY}`],
      ['a tab after the scheme', `Bearer\t${KEY}`],
      ['a leading space', ` Bearer ${KEY}`],
      ['a trailing space', `Bearer ${KEY} `],
      ['a trailing newline', `Bearer ${KEY}\n`],
      ['a trailing CRLF', `Bearer ${KEY}\r\n`],
      ['two keys', `Bearer ${KEY} ${KEY}`],
      ['a trailing NUL byte', `Bearer ${KEY}\0`],
      ['a NUL byte inside the key', `Bearer ${KEY.slice(0, 20)}\0${KEY.slice(20)}`],
      ['a NUL byte replacing a key character', `Bearer ${KEY.slice(0, 20)}\0${KEY.slice(21)}`],
      ['a NUL byte instead of the space', `Bearer\0${KEY}`],
      ['a Cyrillic "а" in the prefix', `Bearer ${KEY.replace('uak', 'u\u0430k')}`],
      ['a full-width "Ｔ" in the key id', `Bearer ${KEY.replace('TestKeyId', '\uff34estKeyId')}`],
      ['a full-width low line instead of "_"', `Bearer ${KEY.replace('_', '\uff3f')}`],
      ['a Cyrillic "е" in the scheme', `B\u0435arer ${KEY}`],
      ['a non-breaking space after the scheme', `Bearer\u00a0${KEY}`],
      ['a zero-width space inside the key', `Bearer ${KEY.slice(0, 10)}\u200b${KEY.slice(10)}`],
      ['a percent-encoded underscore', `Bearer ${KEY.replace(/_/g, '%5F')}`],
      [
        'a fully percent-encoded key',
        `Bearer ${Array.from(KEY)
          .map((c) => `%${c.charCodeAt(0).toString(16)}`)
          .join('')}`,
      ],
      ['an 8 KB Bearer token', `Bearer ${'A'.repeat(8192)}`],
      ['a key followed by 8 KB', `Bearer ${KEY}${'A'.repeat(8192)}`],
      ['an 8 KB Basic credential', `Basic ${'QUFB'.repeat(2048)}`],
      ['an 8 KB header of spaces', ' '.repeat(8192)],
      ['a header of spaces only', '   '],
    ])('%s', (_label, header) => {
      expect(readPresentedKey(header, format)).toEqual(MALFORMED);
    });
  });

  describe('properties', () => {
    /** An independent statement of which headers carry a usable key. */
    function expectedKey(header: string): { keyId: string; secret: string } | undefined {
      const scheme = header.slice(0, 7);
      if (/^bearer $/i.test(scheme)) {
        const parsed = format.parse(header.slice(7));
        return parsed.ok ? parsed.key : undefined;
      }
      return undefined;
    }

    const noisyHeader = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: fc.constantFrom(...Array.from('Bearer Basic uak_:=+/\t\0\n\r019AZaz')), maxLength: 120 }),
      fc.tuple(fc.constantFrom('Bearer ', 'bearer ', 'Basic ', ''), fc.string({ maxLength: 100 })).map(([s, rest]) => s + rest),
    );

    it('never throws for an arbitrary string, and accepts only a Bearer header carrying exactly a well-formed key', () => {
      fc.assert(
        fc.property(noisyHeader, (header) => {
          const result = readPresentedKey(header, format);
          if (header === '') {
            expect(result).toEqual({ ok: false, code: 'MISSING' });
          } else if (/^basic /i.test(header)) {
            if (result.ok) {
              const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
              expect(decoded).toBe(`${result.keyId}:${format.format(result.keyId, result.secret)}`);
            }
          } else {
            const expected = expectedKey(header);
            expect(result).toEqual(expected === undefined ? MALFORMED : { ok: true, ...expected });
          }
        }),
        { numRuns: 2000 },
      );
    });

    it('accepts a Bearer header after any single-character change only if it still says "bearer <the key>"', () => {
      const header = `Bearer ${KEY}`;
      const anyChar = fc.oneof(
        fc.constantFrom(' ', '\t', '\0', '_', 'b', 'B', 'e', 'E', 'r', 'R', 'a', 'A'),
        fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
      );
      const edit = fc.oneof(
        fc.tuple(fc.constant('substitute' as const), fc.nat({ max: header.length - 1 }), anyChar),
        fc.tuple(fc.constant('insert' as const), fc.nat({ max: header.length }), anyChar),
        fc.tuple(fc.constant('delete' as const), fc.nat({ max: header.length - 1 }), fc.constant('')),
      );
      fc.assert(
        fc.property(edit, ([kind, index, char]) => {
          const changed =
            kind === 'substitute'
              ? header.slice(0, index) + char + header.slice(index + 1)
              : kind === 'insert'
                ? header.slice(0, index) + char + header.slice(index)
                : header.slice(0, index) + header.slice(index + 1);
          const stillValid = /^bearer $/i.test(changed.slice(0, 7)) && changed.slice(7) === KEY;
          expect(readPresentedKey(changed, format)).toEqual(stillValid ? accepted : MALFORMED);
        }),
        { numRuns: 2000 },
      );
    });

    it('reads every generated key from both Bearer and Basic headers', () => {
      for (let i = 0; i < 200; i += 1) {
        const { keyId, secret, key } = format.generate();
        expect(readPresentedKey(`Bearer ${key}`, format)).toEqual({ ok: true, keyId, secret });
        expect(readPresentedKey(basic(keyId, key), format)).toEqual({ ok: true, keyId, secret });
      }
    });
  });
});

describe('judgeKey', () => {
  // 2030-01-01T00:00:00Z
  const EXPIRES_AT = 1_893_456_000;
  const BEFORE_EXPIRY = new Date('2029-06-01T12:00:00Z');
  const presented = { keyId: KEY_ID, secret: SECRET };

  const storedKey = (overrides: Partial<StoredKey> = {}): StoredKey => ({
    keyId: KEY_ID,
    ownerId: 'auth0|owner-1',
    secretHash: hashSecret(SECRET),
    name: 'CI deploys',
    scopes: ['keys:read', 'orders:write'],
    createdAt: '2029-01-01T00:00:00.000Z',
    expiresAt: EXPIRES_AT,
    ...overrides,
  });

  it('returns NOT_FOUND with the key id when nothing is stored', () => {
    expect(judgeKey(presented, undefined, BEFORE_EXPIRY)).toEqual({ valid: false, code: 'NOT_FOUND', keyId: KEY_ID });
  });

  it('returns INVALID_SECRET when the secret does not match the stored hash', () => {
    const wrong = { keyId: KEY_ID, secret: `${SECRET.slice(0, -1)}1` };
    expect(judgeKey(wrong, storedKey(), BEFORE_EXPIRY)).toEqual({ valid: false, code: 'INVALID_SECRET', keyId: KEY_ID });
  });

  it('returns INVALID_SECRET when the stored hash is malformed', () => {
    const stored = storedKey({ secretHash: hashSecret(SECRET).toUpperCase() });
    expect(judgeKey(presented, stored, BEFORE_EXPIRY)).toEqual({ valid: false, code: 'INVALID_SECRET', keyId: KEY_ID });
  });

  it('does not reveal revocation or expiry to a caller without the secret', () => {
    const wrong = { keyId: KEY_ID, secret: `${SECRET.slice(0, -1)}1` };
    const revokedAndExpired = storedKey({ revokedAt: '2029-02-01T00:00:00.000Z' });
    const after = new Date((EXPIRES_AT + 60) * 1000);
    expect(judgeKey(wrong, revokedAndExpired, after)).toEqual({ valid: false, code: 'INVALID_SECRET', keyId: KEY_ID });
  });

  it('returns REVOKED for a revoked key before its expiry', () => {
    const stored = storedKey({ revokedAt: '2029-02-01T00:00:00.000Z' });
    expect(judgeKey(presented, stored, BEFORE_EXPIRY)).toEqual({ valid: false, code: 'REVOKED', keyId: KEY_ID });
  });

  it('returns REVOKED rather than EXPIRED for a key that is both', () => {
    const stored = storedKey({ revokedAt: '2029-02-01T00:00:00.000Z' });
    expect(judgeKey(presented, stored, new Date((EXPIRES_AT + 1) * 1000))).toMatchObject({ valid: false, code: 'REVOKED' });
  });

  it('returns EXPIRED exactly at expiresAt (epoch seconds)', () => {
    expect(judgeKey(presented, storedKey(), new Date(EXPIRES_AT * 1000))).toEqual({
      valid: false,
      code: 'EXPIRED',
      keyId: KEY_ID,
    });
  });

  it.each([
    ['one millisecond', 1],
    ['one second', 1000],
    ['one year', 365 * 86_400_000],
  ])('returns EXPIRED %s after expiresAt', (_label, ms) => {
    expect(judgeKey(presented, storedKey(), new Date(EXPIRES_AT * 1000 + ms))).toMatchObject({
      valid: false,
      code: 'EXPIRED',
    });
  });

  it.each([
    ['one second', 1000],
    ['one millisecond', 1],
  ])('is valid %s before expiresAt', (_label, ms) => {
    expect(judgeKey(presented, storedKey(), new Date(EXPIRES_AT * 1000 - ms)).valid).toBe(true);
  });

  it('returns exactly ownerId, keyId and scopes for a valid key, and nothing stored besides', () => {
    const verdict = judgeKey(presented, storedKey({ lastUsedAt: '2029-05-01T00:00:00.000Z' }), BEFORE_EXPIRY);
    expect(verdict).toEqual({
      valid: true,
      ownerId: 'auth0|owner-1',
      keyId: KEY_ID,
      scopes: ['keys:read', 'orders:write'],
    });
    expect(JSON.stringify(verdict)).not.toContain(hashSecret(SECRET));
  });

  it('is valid with no scopes', () => {
    expect(judgeKey(presented, storedKey({ scopes: [] }), BEFORE_EXPIRY)).toMatchObject({ valid: true, scopes: [] });
  });

  it('decides expiry by the clock it is given, not the system clock', () => {
    const longAgo = storedKey({ expiresAt: 1_000_000_000 }); // 2001-09-09
    expect(judgeKey(presented, longAgo, new Date('2001-09-09T01:46:39Z')).valid).toBe(true);
    expect(judgeKey(presented, longAgo, new Date('2001-09-09T01:46:40Z'))).toMatchObject({ code: 'EXPIRED' });
  });
});

describe('keyStatus', () => {
  const expiresAt = 1_893_456_000; // 2030-01-01T00:00:00Z

  it('is active before expiresAt', () => {
    expect(keyStatus({ expiresAt }, new Date((expiresAt - 1) * 1000))).toBe('active');
  });

  it('is expired exactly at expiresAt and after', () => {
    expect(keyStatus({ expiresAt }, new Date(expiresAt * 1000))).toBe('expired');
    expect(keyStatus({ expiresAt }, new Date((expiresAt + 1) * 1000))).toBe('expired');
  });

  it('is revoked once revokedAt is set, whether or not it has expired', () => {
    const revokedAt = '2029-01-01T00:00:00.000Z';
    expect(keyStatus({ expiresAt, revokedAt }, new Date((expiresAt - 1) * 1000))).toBe('revoked');
    expect(keyStatus({ expiresAt, revokedAt }, new Date((expiresAt + 1) * 1000))).toBe('revoked');
  });
});

describe('toKeyView', () => {
  const stored: StoredKey = {
    keyId: KEY_ID,
    ownerId: 'auth0|owner-1',
    secretHash: hashSecret(SECRET),
    name: 'CI deploys',
    scopes: ['keys:read'],
    createdAt: '2029-01-01T00:00:00.000Z',
    expiresAt: 1_893_456_000,
  };
  const now = new Date('2029-06-01T00:00:00Z');

  it('shows id, name, scopes, dates and status', () => {
    expect(toKeyView(stored, now)).toEqual({
      id: KEY_ID,
      name: 'CI deploys',
      scopes: ['keys:read'],
      createdAt: '2029-01-01T00:00:00.000Z',
      expiresAt: '2030-01-01T00:00:00.000Z',
      status: 'active',
      enabled: true,
    });
  });

  it('never carries the secret hash or the owner, even when given a full stored key', () => {
    const view = toKeyView(stored, now);
    expect(Object.keys(view)).not.toContain('secretHash');
    expect(Object.keys(view)).not.toContain('ownerId');
    expect(JSON.stringify(view)).not.toContain(stored.secretHash);
    expect(JSON.stringify(view)).not.toContain(SECRET);
  });

  it('gives expiresAt as an ISO-8601 UTC string converted from epoch seconds', () => {
    const view = toKeyView({ ...stored, expiresAt: 1_700_000_000 }, now);
    expect(view.expiresAt).toBe('2023-11-14T22:13:20.000Z');
  });

  it('includes lastUsedAt only when the key has been used', () => {
    expect(toKeyView(stored, now)).not.toHaveProperty('lastUsedAt');
    expect(toKeyView({ ...stored, lastUsedAt: '2029-05-01T00:00:00.000Z' }, now).lastUsedAt).toBe('2029-05-01T00:00:00.000Z');
  });

  it('reports the status at the given time', () => {
    expect(toKeyView(stored, new Date('2030-01-01T00:00:00Z')).status).toBe('expired');
    expect(toKeyView({ ...stored, revokedAt: '2029-02-01T00:00:00.000Z' }, now).status).toBe('revoked');
  });
});
