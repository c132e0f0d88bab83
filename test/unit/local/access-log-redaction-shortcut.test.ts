import fc from 'fast-check';
import { KeyFormat } from '../../../lambdas/domain/key-format';
import { redactRequestTarget, redactRequestTargetInFull } from '../../../local/access-log-redaction';

/**
 * The access log's shortcut for plain paths (most requests) prints exactly what the full redaction
 * prints, for any target: it only skips work on targets the full rules leave as they are.
 */

const key = new KeyFormat('uak').generate();
/** A key cut short: its start and 25 characters of its secret, no run of 43 in it. */
const keyStart = key.key.slice(0, 'uak_'.length + key.keyId.length + 1 + 25);
const jwt = `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${Buffer.from('{"sub":"alice"}').toString('base64url')}.c2lnbmF0dXJl`;

/** Paths from the shortcut's own alphabet, with the pieces that must still be caught mixed in. */
const plainish = fc
  .array(
    fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9/.~-]{0,30}$/),
      fc.constantFrom(
        '/',
        'eyJ',
        '_',
        '%5F',
        '?',
        '#',
        '+',
        '%',
        ' ',
        '\u200b',
        key.key,
        keyStart,
        key.keyId,
        jwt,
        'a'.repeat(43),
        'b'.repeat(42),
      ),
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join(''));

describe('the access log’s shortcut for plain paths', () => {
  it('prints what the full redaction prints, for any target', () => {
    fc.assert(
      fc.property(fc.oneof(plainish, fc.string(), fc.string({ unit: 'grapheme' })), (target) => {
        expect(redactRequestTarget(target)).toBe(redactRequestTargetInFull(target));
      }),
      { numRuns: 3000 },
    );
  });

  it('leaves the common targets as they are, and still redacts a key, a JWT or a long secret in a path', () => {
    for (const target of [
      '/whoami',
      '/health',
      `/keys/${key.keyId}`,
      `/keys/${key.keyId}/events`,
      '/console/user-api-keys.js',
      '/.well-known/jwks.json',
    ]) {
      expect(redactRequestTarget(target)).toBe(target);
    }
    expect(redactRequestTarget(`/keys/${key.key}`)).toBe('/keys/[redacted key]');
    expect(redactRequestTarget(`/keys/${keyStart}`)).toBe('/keys/[redacted key]');
    expect(redactRequestTarget(`/x/${jwt}`)).toBe('/x/[redacted]');
    expect(redactRequestTarget(`/x/${'a'.repeat(43)}`)).toBe('/x/[redacted]');
  });
});
