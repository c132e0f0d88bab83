import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { ValidationError } from '../../../lambdas/domain/errors';
import {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENCY_WINDOW_SECONDS,
  idempotencyRecordId,
  isSealedOutcome,
  openOutcome,
  parseIdempotencyKey,
  requestFingerprint,
  sealOutcome,
  type SealedOutcome,
} from '../../../lambdas/domain/idempotency';

const OWNER = 'auth0|alice';
const KEY = '8e03978e-40d5-43e8-bc93-6894a57f9324';
const SECRET = 'uak_0123456789ABCDEFGHIJab_s3cr3tS3CR3Ts3cr3tS3CR3T';
const OUTCOME = { status: 201, body: { id: '0123456789ABCDEFGHIJab', key: SECRET, name: 'ci', scopes: ['read'] } };

/** The ValidationError parseIdempotencyKey throws for `value`; fails the test if it returns. */
function refusal(value: string): ValidationError {
  try {
    parseIdempotencyKey(value);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be refused`);
}

/** A copy with one base64url character of `field` changed (to another that still decodes to as many bytes). */
function tampered(sealed: SealedOutcome, field: 'iv' | 'data' | 'tag', at = 0): SealedOutcome {
  const text = sealed[field];
  const char = text.charAt(at);
  return { ...sealed, [field]: `${text.slice(0, at)}${char === 'A' ? 'B' : 'A'}${text.slice(at + 1)}` };
}

const printable = (min: number, max: number) =>
  fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)), minLength: min, maxLength: max });

describe('constants', () => {
  it('keeps an outcome for 24 hours and reads the header as HTTP APIs spell it', () => {
    expect(IDEMPOTENCY_WINDOW_SECONDS).toBe(24 * 60 * 60);
    expect(IDEMPOTENCY_KEY_HEADER).toBe('idempotency-key');
  });
});

describe('parseIdempotencyKey', () => {
  it('is undefined when the request has no Idempotency-Key', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
  });

  it("takes the UUIDs clients send, bare or as the draft's quoted String", () => {
    expect(parseIdempotencyKey(KEY)).toBe(KEY);
    expect(parseIdempotencyKey(`"${KEY}"`)).toBe(KEY);
    expect(parseIdempotencyKey(KEY.toUpperCase())).toBe(KEY.toUpperCase());
    expect(parseIdempotencyKey(randomUUID().replace(/-/g, ''))).toHaveLength(32);
  });

  it('takes 8 to 255 characters, and refuses 7 and 256', () => {
    expect(parseIdempotencyKey('a'.repeat(8))).toBe('a'.repeat(8));
    expect(parseIdempotencyKey('a'.repeat(255))).toBe('a'.repeat(255));
    expect(refusal('a'.repeat(7)).code).toBe('INVALID_REQUEST');
    refusal('a'.repeat(256));
    refusal('');
  });

  it('counts the length of a quoted String without its quotes, and unescapes it', () => {
    expect(parseIdempotencyKey(`"${'a'.repeat(8)}"`)).toBe('a'.repeat(8));
    refusal(`"${'a'.repeat(7)}"`);
    expect(parseIdempotencyKey(`"${'a'.repeat(255)}"`)).toBe('a'.repeat(255));
    refusal(`"${'a'.repeat(256)}"`);
    expect(parseIdempotencyKey('"abc\\"de\\\\fgh"')).toBe('abc"de\\fgh');
  });

  it('refuses a quoted String that is not well formed', () => {
    for (const value of ['"abcdefgh', '"abc"defgh"', '"abcdefgh\\"', '"abc\\defgh"', '"abcdefgh"x', '"', '""']) refusal(value);
  });

  it('takes every printable ASCII character but the space, and any of them first but a quote', () => {
    const all = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join('');
    expect(parseIdempotencyKey(`x${all}`)).toBe(`x${all}`);
    expect(parseIdempotencyKey('!#$%&()*+,-./:;<=>?@[]^_`{|}~')).toBe('!#$%&()*+,-./:;<=>?@[]^_`{|}~');
  });

  it('refuses control characters, DEL and non-ASCII anywhere', () => {
    for (const char of ['\0', '\t', '\n', '\r', '\x1f', '\x7f', '\x80', 'é', 'ü', '\u00a0', '\u2028', '🔑']) {
      refusal(`abcd${char}efgh`);
      refusal(`"abcd${char}efgh"`);
    }
    refusal('abcdefgh\n');
  });

  it('refuses inner spaces (two keys joined by a proxy, for one), bare or quoted, and ignores outer whitespace', () => {
    refusal('abcd efgh');
    refusal(`${KEY}, ${randomUUID()}`);
    refusal(`"abcd efgh"`);
    refusal(`" abcdefgh"`);
    expect(parseIdempotencyKey(` ${KEY}\t `)).toBe(KEY);
    expect(parseIdempotencyKey(`\t"${KEY}" `)).toBe(KEY);
    refusal('    abcd    ');
  });

  it('names the header and the rule, never the value', () => {
    const value = `${SECRET} é`;
    const error = refusal(value);
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.message).toContain('Idempotency-Key');
    expect(error.message).toMatch(/8 to 255/);
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain('s3cr3t');
  });

  it('returns any bare value of 8 to 255 printable characters as it is (property)', () => {
    fc.assert(
      fc.property(
        printable(8, 255).filter((key) => !key.startsWith('"')),
        (key) => parseIdempotencyKey(key) === key,
      ),
    );
  });

  it('refuses a value with any character outside 0x21-0x7E inside it (property)', () => {
    fc.assert(
      fc.property(
        printable(4, 100),
        printable(4, 100),
        fc.integer({ min: 0, max: 0x10ffff }).filter((code) => (code < 0x21 || code > 0x7e) && (code < 0xd800 || code > 0xdfff)),
        (before, after, code) => {
          expect(() => parseIdempotencyKey(`x${before}${String.fromCodePoint(code)}${after}`)).toThrow(ValidationError);
        },
      ),
    );
  });
});

describe('requestFingerprint', () => {
  const create = (body: unknown) => requestFingerprint({ route: 'POST /keys', body });

  it('is a SHA-256 in hex', () => {
    expect(create({ name: 'ci' })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not depend on the order of fields, at any depth', () => {
    expect(create({ a: 1, b: 2 })).toBe(create({ b: 2, a: 1 }));
    expect(create({ name: 'ci', scopes: ['read'], meta: { x: 1, y: [{ p: 1, q: 2 }] } })).toBe(
      create({ meta: { y: [{ q: 2, p: 1 }], x: 1 }, scopes: ['read'], name: 'ci' }),
    );
  });

  it('differs for another body, route or key', () => {
    const base = create({ name: 'ci', scopes: ['read'] });
    expect(create({ name: 'ci', scopes: ['write'] })).not.toBe(base);
    expect(create({ name: 'ci', scopes: ['read'], expiresInDays: 30 })).not.toBe(base);
    expect(create({ name: 'CI', scopes: ['read'] })).not.toBe(base);
    expect(create({ scopes: ['read'], name: 'ci', extra: null })).not.toBe(base);
    expect(create(['read', 'write'])).not.toBe(create(['write', 'read']));
    expect(create({ n: 1 })).not.toBe(create({ n: '1' }));
    const rotate = (keyId: string, body: unknown) => requestFingerprint({ route: 'POST /keys/{id}/rotate', keyId, body });
    expect(rotate('0123456789ABCDEFGHIJab', {})).not.toBe(rotate('ZYXWVUTSRQPONMLKJIHGfe', {}));
    expect(rotate('0123456789ABCDEFGHIJab', {})).not.toBe(requestFingerprint({ route: 'POST /keys', body: {} }));
  });

  it('takes an absent body for {} (rotate reads both as the defaults), but null as a body of its own', () => {
    const rotate = (body: unknown) => requestFingerprint({ route: 'POST /keys/{id}/rotate', keyId: '0123456789ABCDEFGHIJab', body });
    expect(rotate(undefined)).toBe(rotate({}));
    expect(rotate(null)).not.toBe(rotate({}));
    expect(rotate({ gracePeriodSeconds: 60 })).not.toBe(rotate({}));
  });

  it('leaves out fields whose value is undefined, as JSON does, and refuses what is not JSON', () => {
    expect(create({ name: 'ci', scopes: undefined })).toBe(create({ name: 'ci' }));
    expect(() => create({ n: Number.NaN })).toThrow(TypeError);
    expect(() => create({ n: 1n })).toThrow(TypeError);
    expect(() => create({ at: new Date(0) })).toThrow(TypeError);
  });

  it('is the same for any reordering of the fields, and follows JSON (property)', () => {
    const reversed = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(reversed);
      if (typeof value === 'object' && value !== null) {
        return Object.fromEntries(
          Object.entries(value)
            .reverse()
            .map(([name, field]) => [name, reversed(field)]),
        );
      }
      return value;
    };
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        expect(create(reversed(body))).toBe(create(body));
        expect(create(JSON.parse(JSON.stringify(body)))).toBe(create(body));
      }),
    );
  });
});

describe('idempotencyRecordId', () => {
  it('is a SHA-256 in hex, the same for the same owner and key', () => {
    expect(idempotencyRecordId(OWNER, KEY)).toMatch(/^[0-9a-f]{64}$/);
    expect(idempotencyRecordId(OWNER, KEY)).toBe(idempotencyRecordId(OWNER, KEY));
  });

  it("differs for another owner's same key, and for another key", () => {
    expect(idempotencyRecordId('auth0|bob', KEY)).not.toBe(idempotencyRecordId(OWNER, KEY));
    expect(idempotencyRecordId(OWNER, randomUUID())).not.toBe(idempotencyRecordId(OWNER, KEY));
  });

  it('cannot be made equal by moving characters from the owner to the key', () => {
    expect(idempotencyRecordId('auth0|alice1', '2345678x')).not.toBe(idempotencyRecordId('auth0|alice', '12345678x'));
    expect(idempotencyRecordId('a\0b', 'cdefghij')).not.toBe(idempotencyRecordId('a', 'b\0cdefghij'));
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.string(), (o1, k1, o2, k2) => {
        fc.pre(o1 !== o2 || k1 !== k2);
        return idempotencyRecordId(o1, k1) !== idempotencyRecordId(o2, k2);
      }),
    );
  });
});

describe('sealOutcome and openOutcome', () => {
  const sealed = sealOutcome(KEY, OWNER, OUTCOME);

  it('opens what it sealed, with the same key and owner', () => {
    expect(openOutcome(KEY, OWNER, sealed)).toEqual(OUTCOME);
  });

  it('is version 1, canonical base64url, a 96-bit IV and a 128-bit tag', () => {
    expect(sealed.v).toBe(1);
    expect(isSealedOutcome(sealed)).toBe(true);
    expect(Buffer.from(sealed.iv, 'base64url')).toHaveLength(12);
    expect(Buffer.from(sealed.tag, 'base64url')).toHaveLength(16);
    for (const part of [sealed.iv, sealed.data, sealed.tag]) expect(part).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('holds neither the outcome nor the Idempotency-Key in the clear', () => {
    const stored = JSON.stringify(sealed);
    const bytes = Buffer.concat([sealed.iv, sealed.data, sealed.tag].map((part) => Buffer.from(part, 'base64url')));
    for (const clear of [SECRET, 's3cr3t', KEY, OWNER, JSON.stringify(OUTCOME)]) {
      expect(stored).not.toContain(clear);
      expect(bytes.includes(Buffer.from(clear))).toBe(false);
    }
    expect(stored).not.toContain(Buffer.from(SECRET).toString('base64url').slice(0, 12));
  });

  it('uses a fresh IV each time: the same outcome seals differently', () => {
    const again = sealOutcome(KEY, OWNER, OUTCOME);
    expect(again.iv).not.toBe(sealed.iv);
    expect(again.data).not.toBe(sealed.data);
    expect(openOutcome(KEY, OWNER, again)).toEqual(OUTCOME);
  });

  it('does not open with another Idempotency-Key or for another owner', () => {
    expect(() => openOutcome(randomUUID(), OWNER, sealed)).toThrow(Error);
    expect(() => openOutcome(`${KEY}x`, OWNER, sealed)).toThrow(Error);
    expect(() => openOutcome(KEY, 'auth0|bob', sealed)).toThrow(Error);
    expect(() => openOutcome(KEY, OWNER.toUpperCase(), sealed)).toThrow(Error);
  });

  it('does not open once its IV, data or tag is changed, anywhere', () => {
    for (const field of ['iv', 'data', 'tag'] as const) {
      const length = sealed[field].length;
      for (const at of [0, Math.floor(length / 2), length - 1]) {
        expect(() => openOutcome(KEY, OWNER, tampered(sealed, field, at))).toThrow(Error);
      }
    }
    const flipped = Buffer.from(sealed.data, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() => openOutcome(KEY, OWNER, { ...sealed, data: flipped.toString('base64url') })).toThrow(Error);
  });

  it('does not open when parts are swapped, cut, lengthened or of another version', () => {
    const other = sealOutcome(KEY, OWNER, { other: true });
    expect(() => openOutcome(KEY, OWNER, { ...sealed, tag: other.tag })).toThrow(Error);
    expect(() => openOutcome(KEY, OWNER, { ...sealed, iv: other.iv })).toThrow(Error);
    expect(() => openOutcome(KEY, OWNER, { ...sealed, data: other.data })).toThrow(Error);
    expect(() => openOutcome(KEY, OWNER, { ...sealed, tag: sealed.tag.slice(0, 16) })).toThrow(Error);
    expect(() => openOutcome(KEY, OWNER, { ...sealed, data: sealed.data.slice(0, -4) })).toThrow(Error);
    expect(() => openOutcome(KEY, OWNER, { ...sealed, data: `${sealed.data}AAAA` })).toThrow(Error);
    expect(() => openOutcome(KEY, OWNER, { ...sealed, iv: `${sealed.iv}A` })).toThrow(Error);
    expect(() => openOutcome(KEY, OWNER, { ...sealed, tag: `${sealed.tag}=` })).toThrow(Error);
    expect(() => openOutcome(KEY, OWNER, { ...sealed, v: 2 } as unknown as SealedOutcome)).toThrow(Error);
  });

  it("never says more than that the record does not open (a fault, not the client's error)", () => {
    let thrown: unknown;
    try {
      openOutcome(randomUUID(), OWNER, sealed);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).not.toBeInstanceOf(ValidationError);
    expect(String(thrown)).not.toContain(KEY);
  });

  it('refuses to seal what is not JSON', () => {
    expect(() => sealOutcome(KEY, OWNER, undefined)).toThrow(TypeError);
  });

  it('opens every JSON outcome it seals, for any key and owner (property)', () => {
    fc.assert(
      fc.property(printable(8, 64), fc.string({ minLength: 1 }), fc.jsonValue(), (key, owner, outcome) => {
        expect(openOutcome(key, owner, sealOutcome(key, owner, outcome))).toEqual(JSON.parse(JSON.stringify(outcome)));
      }),
      { numRuns: 200 },
    );
  });

  it('isSealedOutcome checks the shape only', () => {
    expect(isSealedOutcome({ ...sealed, v: 2 })).toBe(false);
    expect(isSealedOutcome({ ...sealed, iv: 'AAAA' })).toBe(false);
    expect(isSealedOutcome({ ...sealed, tag: undefined })).toBe(false);
    expect(isSealedOutcome({ ...sealed, data: 'not base64url!' })).toBe(false);
    expect(isSealedOutcome(null)).toBe(false);
    expect(isSealedOutcome(tampered(sealed, 'data'))).toBe(true);
  });
});
