import { timingSafeEqual } from 'node:crypto';
import type { StoredKey } from '../../../lambdas/domain/api-key';
import { KeyFormat } from '../../../lambdas/domain/key-format';
import { KeyVerifier } from '../../../lambdas/domain/key-verifier';
import { DUMMY_SECRET_HASH, hashSecret, secretMatchesHash, type SecretComparison } from '../../../lambdas/domain/secret-hash';
import { judgeKey } from '../../../lambdas/domain/verdict';

/**
 * Issue #19 finding 7: an unknown key id must cost the hashing and comparing a
 * wrong secret costs, so CPU time does not tell the two apart. Shown by
 * observing the comparison, not by timing (see key-verifier-timing.bench.ts).
 */

// The real timingSafeEqual, observed: node:crypto's exports cannot be spied on in place.
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});
const compared = timingSafeEqual as jest.MockedFunction<typeof timingSafeEqual>;

const format = new KeyFormat('uak');
const NOW = new Date('2026-06-01T00:00:00.000Z');
const presentedKey = format.generate();
const storedKey = (overrides: Partial<StoredKey> = {}): StoredKey => ({
  keyId: presentedKey.keyId,
  ownerId: 'auth0|alice',
  secretHash: hashSecret(presentedKey.secret),
  name: 'ci',
  scopes: [],
  createdAt: '2026-01-01T00:00:00.000Z',
  expiresAt: Math.floor(NOW.getTime() / 1000) + 3600,
  ...overrides,
});

/** The real comparison, recording what it was asked. */
function spiedComparison(): jest.Mock<boolean, Parameters<SecretComparison>> {
  return jest.fn<boolean, Parameters<SecretComparison>>((secret, hash) => secretMatchesHash(secret, hash));
}

function verifierOver(stored: StoredKey | undefined, compare: SecretComparison): KeyVerifier {
  return new KeyVerifier({ store: { getKey: () => Promise.resolve(stored) }, format, clock: () => NOW, compare });
}

describe('the key verifier compares the secret whether or not the key exists', () => {
  it('compares against the fixed dummy hash when the item is missing, then answers NOT_FOUND', async () => {
    const compare = spiedComparison();
    const verdict = await verifierOver(undefined, compare).verify(`Bearer ${presentedKey.key}`);
    expect(verdict).toEqual({ valid: false, code: 'NOT_FOUND', keyId: presentedKey.keyId });
    expect(compare.mock.calls).toEqual([[presentedKey.secret, DUMMY_SECRET_HASH]]);
  });

  it('makes the same one comparison, against the stored hash, for a wrong secret', async () => {
    const compare = spiedComparison();
    const verdict = await verifierOver(storedKey({ secretHash: hashSecret('another secret') }), compare).verify(
      `Bearer ${presentedKey.key}`,
    );
    expect(verdict).toMatchObject({ valid: false, code: 'INVALID_SECRET' });
    expect(compare.mock.calls).toEqual([[presentedKey.secret, hashSecret('another secret')]]);
  });

  it('never lets the dummy comparison allow: a missing item is NOT_FOUND even if the comparison says equal', () => {
    expect(judgeKey(presentedKey, undefined, NOW, () => true)).toEqual({ valid: false, code: 'NOT_FOUND', keyId: presentedKey.keyId });
  });

  it('(control) a found key with the right secret is still allowed, after one comparison', async () => {
    const compare = spiedComparison();
    expect(await verifierOver(storedKey(), compare).verify(`Bearer ${presentedKey.key}`)).toMatchObject({ valid: true });
    expect(compare).toHaveBeenCalledTimes(1);
  });

  it('the dummy hash is a well-formed SHA-256, so comparing with it runs the same code as a real one', () => {
    expect(DUMMY_SECRET_HASH).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('secretMatchesHash with a malformed stored hash', () => {
  beforeEach(() => compared.mockClear());

  it.each(['', 'not hex', 'A'.repeat(64), 'a'.repeat(63)])(
    'still hashes and compares in constant time (%j), and does not match',
    (malformed) => {
      expect(secretMatchesHash(presentedKey.secret, malformed)).toBe(false);
      expect(compared).toHaveBeenCalledTimes(1);
      expect(compared.mock.calls[0]?.[1]).toEqual(Buffer.from(DUMMY_SECRET_HASH, 'hex'));
    },
  );

  it('(control) a well-formed hash is compared itself', () => {
    expect(secretMatchesHash(presentedKey.secret, hashSecret(presentedKey.secret))).toBe(true);
    expect(compared.mock.calls[0]?.[1]).toEqual(Buffer.from(hashSecret(presentedKey.secret), 'hex'));
  });
});
