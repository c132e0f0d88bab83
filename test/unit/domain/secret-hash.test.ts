import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { hashSecret, secretMatchesHash } from '../../../lambdas/domain/secret-hash';

const sha256Hex = (input: string) => createHash('sha256').update(Buffer.from(input, 'utf8')).digest('hex');

describe('hashSecret', () => {
  it.each([
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
  ])('is the SHA-256 hex digest (published test vector for %j)', (input, expected) => {
    expect(hashSecret(input)).toBe(expected);
    expect(sha256Hex(input)).toBe(expected);
  });

  it('hashes the UTF-8 encoding of the secret', () => {
    expect(hashSecret('\u00e9')).toBe(
      createHash('sha256')
        .update(Buffer.from([0xc3, 0xa9]))
        .digest('hex'),
    );
  });

  it('is 64 lowercase hex characters and equals an independently computed SHA-256 for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (secret) => {
        const hash = hashSecret(secret);
        expect(hash).toMatch(/^[0-9a-f]{64}$/);
        expect(hash).toBe(sha256Hex(secret));
      }),
      { numRuns: 1000 },
    );
  });

  it('does not contain the secret', () => {
    const secret = 'S'.repeat(43);
    expect(hashSecret(secret)).not.toContain(secret);
  });
});

describe('secretMatchesHash', () => {
  const secret = 'fakeSecretForTests0000000000000000000000000';
  const storedHash = hashSecret(secret);

  it('is true for the secret that was hashed', () => {
    expect(secretMatchesHash(secret, storedHash)).toBe(true);
  });

  it('is false for a different secret', () => {
    expect(secretMatchesHash(`${secret.slice(0, -1)}1`, storedHash)).toBe(false);
    expect(secretMatchesHash('', storedHash)).toBe(false);
    expect(secretMatchesHash(storedHash, storedHash)).toBe(false);
  });

  it('is true for the right secret and false for any other, for arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (right, other) => {
        const hash = hashSecret(right);
        expect(secretMatchesHash(right, hash)).toBe(true);
        expect(secretMatchesHash(other, hash)).toBe(Buffer.from(other, 'utf8').equals(Buffer.from(right, 'utf8')));
      }),
      { numRuns: 1000 },
    );
  });

  describe('is false, without throwing, for a malformed stored hash', () => {
    it.each([
      ['empty', ''],
      ['one character short', storedHash.slice(0, 63)],
      ['one character long', `${storedHash}0`],
      ['with a trailing newline', `${storedHash}\n`],
      ['with surrounding spaces', ` ${storedHash} `],
      ['in upper case', storedHash.toUpperCase()],
      ['not hex', 'g'.repeat(64)],
      ['half a digest', storedHash.slice(0, 32)],
      ['base64 of the digest', createHash('sha256').update(secret).digest('base64')],
      ['prefixed with 0x', `0x${storedHash.slice(2)}`],
      ['a SHA-512 digest', createHash('sha512').update(secret).digest('hex')],
    ])('%s', (_label, malformed) => {
      expect(() => secretMatchesHash(secret, malformed)).not.toThrow();
      expect(secretMatchesHash(secret, malformed)).toBe(false);
    });

    it('a value that is not a string at all', () => {
      for (const value of [undefined, null, 42, {}, Buffer.from(storedHash, 'hex')]) {
        expect(secretMatchesHash(secret, value as string)).toBe(false);
      }
    });

    it('any arbitrary string that is not the digest', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (stored) => {
          expect(secretMatchesHash(secret, stored)).toBe(stored === storedHash);
        }),
        { numRuns: 1000 },
      );
    });
  });
});
