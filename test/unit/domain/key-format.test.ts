import fc from 'fast-check';
import {
  CHECKSUM_LENGTH,
  KEY_ID_LENGTH,
  KeyFormat,
  SECRET_LENGTH,
  isValidKeyPrefix,
  isWellFormedKeyId,
  keyScanPattern,
} from '../../../lambdas/domain/key-format';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BASE62_CHARS = BASE62.split('');
const KEY_ALPHABET = /^[A-Za-z0-9_]+$/;
const RUNS = 1000;

const format = new KeyFormat('uak');
const keyLength = 'uak'.length + 2 + KEY_ID_LENGTH + SECRET_LENGTH + CHECKSUM_LENGTH;
/** Index of the first secret character in a `uak` key. */
const secretStart = 'uak_'.length + KEY_ID_LENGTH + 1;

const base62Char = fc.constantFrom(...BASE62_CHARS);
const base62String = (length: number) => fc.string({ unit: base62Char, minLength: length, maxLength: length });
const keyIdArb = base62String(KEY_ID_LENGTH);
const secretArb = base62String(SECRET_LENGTH);
/** A key built from fast-check-chosen parts, so failures are reproducible. */
const keyArb = fc.tuple(keyIdArb, secretArb).map(([keyId, secret]) => ({ keyId, secret, key: format.format(keyId, secret) }));

/** Any one UTF-16 code unit, plus characters that are easy to confuse with key characters. */
const anyChar = fc.oneof(
  base62Char,
  fc.constantFrom('_', '-', ' ', '\0', '\n', '%', '+', '/', '=', '\u0430', '\uff33', '\u00e9'),
  fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
);

function charAt(text: string, index: number): string {
  const char = text[index];
  if (char === undefined) throw new Error(`no character at ${index}`);
  return char;
}

function replaceAt(text: string, index: number, replacement: string): string {
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

describe('KeyFormat', () => {
  describe('generate', () => {
    it('produces keys that parse back to the same keyId and secret', () => {
      for (let i = 0; i < RUNS; i += 1) {
        const generated = format.generate();
        expect(format.parse(generated.key)).toEqual({
          ok: true,
          key: { keyId: generated.keyId, secret: generated.secret },
        });
      }
    });

    it('produces a 22-character base62 key id and a 43-character base62 secret', () => {
      for (let i = 0; i < RUNS; i += 1) {
        const { keyId, secret, key } = format.generate();
        expect(keyId).toMatch(/^[0-9A-Za-z]{22}$/);
        expect(secret).toMatch(/^[0-9A-Za-z]{43}$/);
        expect(key.startsWith(`uak_${keyId}_${secret}`)).toBe(true);
        expect(key).toHaveLength(keyLength);
      }
    });

    it('uses only [A-Za-z0-9_] and is found by the scan pattern for its prefix', () => {
      for (let i = 0; i < RUNS; i += 1) {
        const { key } = format.generate();
        expect(key).toMatch(KEY_ALPHABET);
        // A fresh regex each time: the scan pattern is global, so .test() is stateful.
        expect(keyScanPattern('uak').test(key)).toBe(true);
      }
    });

    it('never produces the same key id or secret twice', () => {
      const keyIds = new Set<string>();
      const secrets = new Set<string>();
      for (let i = 0; i < RUNS; i += 1) {
        const { keyId, secret } = format.generate();
        keyIds.add(keyId);
        secrets.add(secret);
      }
      expect(keyIds.size).toBe(RUNS);
      expect(secrets.size).toBe(RUNS);
    });

    it('fills every character of the key id and secret with randomness (no constant padding)', () => {
      // 128 bits fill 22 base62 characters and 256 bits fill 43, except the key id's first
      // character, which can only take 8 values (2^128 / 62^21 < 8).
      const samples = Array.from({ length: 500 }, () => format.generate());
      const distinctAt = (pick: (g: { keyId: string; secret: string }) => string, position: number) =>
        new Set(samples.map((g) => pick(g)[position])).size;
      for (let position = 1; position < KEY_ID_LENGTH; position += 1) {
        expect({ position, many: distinctAt((g) => g.keyId, position) >= 30 }).toEqual({ position, many: true });
      }
      for (let position = 0; position < SECRET_LENGTH; position += 1) {
        expect({ position, many: distinctAt((g) => g.secret, position) >= 30 }).toEqual({ position, many: true });
      }
    });

    it('uses the prefix it was built with', () => {
      const other = new KeyFormat('acme2');
      const { key } = other.generate();
      expect(key.startsWith('acme2_')).toBe(true);
      expect(other.parse(key).ok).toBe(true);
    });
  });

  describe('format and parse', () => {
    it('round-trips any base62 key id and secret', () => {
      fc.assert(
        fc.property(keyIdArb, secretArb, (keyId, secret) => {
          const key = format.format(keyId, secret);
          expect(key).toMatch(KEY_ALPHABET);
          expect(format.parse(key)).toEqual({ ok: true, key: { keyId, secret } });
        }),
        { numRuns: RUNS },
      );
    });

    it('only accepts a string that is exactly the canonical key for its parts', () => {
      // Strings of the right length over the key alphabet reach the checksum test.
      const nearKey = fc.string({
        unit: fc.constantFrom(...BASE62_CHARS, '_'),
        minLength: keyLength - 'uak_'.length,
        maxLength: keyLength - 'uak_'.length,
      });
      fc.assert(
        fc.property(nearKey, (rest) => {
          const input = `uak_${rest}`;
          const result = format.parse(input);
          if (result.ok) {
            expect(format.format(result.key.keyId, result.key.secret)).toBe(input);
          }
        }),
        { numRuns: RUNS },
      );
    });
  });

  describe('parse refuses damaged keys', () => {
    it('refuses any single-character substitution, at any position, with any character', () => {
      fc.assert(
        fc.property(keyArb, fc.nat({ max: keyLength - 1 }), anyChar, ({ key }, index, replacement) => {
          fc.pre(replacement !== charAt(key, index));
          expect(format.parse(replaceAt(key, index, replacement)).ok).toBe(false);
        }),
        { numRuns: 5000 },
      );
    });

    it('refuses every base62 or underscore substitution at every position of a key (exhaustive)', () => {
      for (let run = 0; run < 5; run += 1) {
        const { key } = format.generate();
        for (let index = 0; index < key.length; index += 1) {
          for (const replacement of [...BASE62_CHARS, '_']) {
            if (replacement === charAt(key, index)) continue;
            const result = format.parse(replaceAt(key, index, replacement));
            expect({ index, replacement, ok: result.ok }).toEqual({ index, replacement, ok: false });
          }
        }
      }
    });

    it('reports BAD_CHECKSUM when a base62 character of the key id, secret or checksum is changed to another', () => {
      const bodyStart = 'uak_'.length;
      fc.assert(
        fc.property(keyArb, fc.nat({ max: keyLength - 1 - bodyStart }), base62Char, ({ key }, offset, replacement) => {
          const index = bodyStart + offset;
          fc.pre(charAt(key, index) !== '_' && replacement !== charAt(key, index));
          expect(format.parse(replaceAt(key, index, replacement))).toEqual({ ok: false, reason: 'BAD_CHECKSUM' });
        }),
        { numRuns: RUNS },
      );
    });

    it('refuses a key with one character deleted', () => {
      fc.assert(
        fc.property(keyArb, fc.nat({ max: keyLength - 1 }), ({ key }, index) => {
          const damaged = key.slice(0, index) + key.slice(index + 1);
          expect(format.parse(damaged)).toEqual({ ok: false, reason: 'MALFORMED' });
        }),
        { numRuns: RUNS },
      );
    });

    it('refuses a key with one character inserted', () => {
      fc.assert(
        fc.property(keyArb, fc.nat({ max: keyLength }), anyChar, ({ key }, index, extra) => {
          const damaged = key.slice(0, index) + extra + key.slice(index);
          expect(format.parse(damaged)).toEqual({ ok: false, reason: 'MALFORMED' });
        }),
        { numRuns: RUNS },
      );
    });

    it('refuses truncated keys and keys with trailing text', () => {
      const { key } = format.generate();
      expect(format.parse(key.slice(0, -1)).ok).toBe(false);
      expect(format.parse(key.slice(0, -CHECKSUM_LENGTH)).ok).toBe(false);
      expect(format.parse(`${key}\n`).ok).toBe(false);
      expect(format.parse(` ${key}`).ok).toBe(false);
      expect(format.parse(`${key}${key}`).ok).toBe(false);
    });

    it('catches the transposition of two adjacent different characters in the secret', () => {
      fc.assert(
        fc.property(keyArb, fc.nat({ max: SECRET_LENGTH - 2 }), ({ key }, offset) => {
          const index = secretStart + offset;
          const a = charAt(key, index);
          const b = charAt(key, index + 1);
          fc.pre(a !== b);
          const swapped = key.slice(0, index) + b + a + key.slice(index + 2);
          expect(format.parse(swapped)).toEqual({ ok: false, reason: 'BAD_CHECKSUM' });
        }),
        { numRuns: RUNS },
      );
    });

    it('catches the transposition of two adjacent different characters anywhere in the key', () => {
      fc.assert(
        fc.property(keyArb, fc.nat({ max: keyLength - 2 }), ({ key }, index) => {
          const a = charAt(key, index);
          const b = charAt(key, index + 1);
          fc.pre(a !== b);
          const swapped = key.slice(0, index) + b + a + key.slice(index + 2);
          expect(format.parse(swapped).ok).toBe(false);
        }),
        { numRuns: RUNS },
      );
    });
  });

  describe('parse refuses keys with another prefix', () => {
    it('reports WRONG_PREFIX for a valid key of another prefix of the same length', () => {
      const other = new KeyFormat('abc');
      for (let i = 0; i < 100; i += 1) {
        expect(format.parse(other.generate().key)).toEqual({ ok: false, reason: 'WRONG_PREFIX' });
      }
    });

    it('refuses a valid key of a prefix with a different length', () => {
      expect(format.parse(new KeyFormat('ab').generate().key).ok).toBe(false);
      expect(format.parse(new KeyFormat('uakx').generate().key).ok).toBe(false);
      expect(new KeyFormat('uakx').parse(format.generate().key).ok).toBe(false);
    });

    it('refuses the same key with its prefix in upper case', () => {
      const { key } = format.generate();
      expect(format.parse(`UAK${key.slice(3)}`)).toEqual({ ok: false, reason: 'WRONG_PREFIX' });
    });

    it('is not found by the scan pattern of another prefix', () => {
      const { key } = new KeyFormat('abc').generate();
      expect(keyScanPattern('uak').test(key)).toBe(false);
    });
  });

  describe('parse never throws', () => {
    const expectResult = (input: unknown) => {
      const result = format.parse(input);
      expect(typeof result.ok).toBe('boolean');
      if (!result.ok) {
        expect(['MALFORMED', 'WRONG_PREFIX', 'BAD_CHECKSUM']).toContain(result.reason);
      }
      return result;
    };

    it('for any value of any type', () => {
      fc.assert(
        fc.property(fc.anything(), (input) => {
          expect(expectResult(input).ok).toBe(false);
        }),
        { numRuns: RUNS },
      );
    });

    it('for any string, including full Unicode, lone surrogates and graphemes', () => {
      fc.assert(
        fc.property(
          fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme-composite' })),
          (input) => {
            expect(expectResult(input).ok).toBe(false);
          },
        ),
        { numRuns: RUNS },
      );
    });

    it('for strings of exactly the key length made of any code units', () => {
      fc.assert(
        fc.property(fc.string({ unit: anyChar, minLength: keyLength, maxLength: keyLength }), (input) => {
          expectResult(input);
        }),
        { numRuns: RUNS },
      );
    });

    it.each([
      ['undefined', undefined],
      ['null', null],
      ['a number', 42],
      ['a bigint', 10n],
      ['a boolean', true],
      ['a symbol', Symbol('key')],
      ['an object', { key: 'uak_x' }],
      ['an array', ['uak_x']],
      ['a function', () => 'uak_x'],
      ['a String object', new String('uak_x')],
      ['an empty string', ''],
    ])('returns MALFORMED for %s', (_label, input) => {
      expect(format.parse(input)).toEqual({ ok: false, reason: 'MALFORMED' });
    });

    it('returns MALFORMED for a String object wrapping a valid key', () => {
      const { key } = format.generate();
      expect(format.parse(new String(key))).toEqual({ ok: false, reason: 'MALFORMED' });
    });
  });
});

describe('KeyFormat constructor', () => {
  it.each(['', 'a', 'UPPER', 'has_underscore', 'waytoolongprefix', 'Uak', 'u-k', 'uak ', ' uak', 'uak\n', 'ключ'])(
    'refuses the prefix %j',
    (prefix) => {
      expect(() => new KeyFormat(prefix)).toThrow('Key prefix must be 2-10 lowercase letters or digits');
      expect(isValidKeyPrefix(prefix)).toBe(false);
    },
  );

  it.each(['ab', 'uak', 'a1', '0123456789', 'acme'])('accepts the prefix %j', (prefix) => {
    expect(new KeyFormat(prefix).prefix).toBe(prefix);
    expect(isValidKeyPrefix(prefix)).toBe(true);
  });
});

describe('isWellFormedKeyId', () => {
  it('accepts every generated key id', () => {
    fc.assert(
      fc.property(keyIdArb, (keyId) => {
        expect(isWellFormedKeyId(keyId)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it.each([
    ['an empty string', ''],
    ['21 characters', 'A'.repeat(21)],
    ['23 characters', 'A'.repeat(23)],
    ['an underscore', `${'A'.repeat(21)}_`],
    ['a hyphen', `${'A'.repeat(21)}-`],
    ['a non-ASCII letter', `${'A'.repeat(21)}\u00e9`],
    ['a Cyrillic look-alike', `${'A'.repeat(21)}\u0410`],
    ['a trailing newline', `${'A'.repeat(22)}\n`],
    ['a whole key', 'uak_AAAAAAAAAAAAAAAAAAAAAA'],
  ])('refuses %s', (_label, keyId) => {
    expect(isWellFormedKeyId(keyId)).toBe(false);
  });

  it('refuses any string that is not exactly 22 base62 characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: anyChar, maxLength: 30 }), (candidate) => {
        expect(isWellFormedKeyId(candidate)).toBe(/^[0-9A-Za-z]{22}$/.test(candidate));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('keyScanPattern', () => {
  it('finds keys embedded in surrounding text', () => {
    const first = format.generate().key;
    const second = format.generate().key;
    const text = `export API_KEY=${first}\nAuthorization: Bearer ${second}\n`;
    expect(text.match(keyScanPattern('uak'))).toEqual([first, second]);
  });

  it('does not match a key glued to other word characters', () => {
    const { key } = format.generate();
    expect(keyScanPattern('uak').test(`x${key}`)).toBe(false);
    expect(keyScanPattern('uak').test(`${key}x`)).toBe(false);
  });
});
