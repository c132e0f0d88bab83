import type { StoredKey } from '../../lambdas/domain/api-key';
import { hashSecret } from '../../lambdas/domain/secret-hash';
import type { TokenKeySource } from '../../lambdas/domain/access-token';
import { rotatedKeySet, signingKeys, type SigningKey } from '../../lambdas/domain/signing-keys';

/** Obviously fake, Stormpath-shaped: 25 [A-Z0-9], and 43 standard base64 characters with + and /. */
export const STORMPATH_ID = 'TESTSTORMPATHKEYID0000001';
export const STORMPATH_SECRET = 'TestStormpath+Secret/With+Plus/Slash0000000';

/** `Authorization: Basic base64(user:password)`, as curl -u sends it. */
export const basicHeader = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

/** One signing key made at `now`, and the access tokens' key source over it alone (an unknown kid finds nothing). */
export function singleTokenKey(now: Date): { signingKey: SigningKey; keySource: TokenKeySource } {
  const signingKey = signingKeys(rotatedKeySet(undefined, now))[0]!;
  return {
    signingKey,
    keySource: {
      current: () => Promise.resolve(signingKey),
      byKid: (kid) => Promise.resolve(kid === signingKey.kid ? signingKey : undefined),
    },
  };
}

/** Alice's key item for `key` (native or imported), expiring 30 days after `now` unless overridden. */
export function aliceKeyItem(key: { keyId: string; secret: string }, now: Date, overrides: Partial<StoredKey> = {}): StoredKey {
  return {
    keyId: key.keyId,
    ownerId: 'auth0|alice',
    secretHash: hashSecret(key.secret),
    name: 'ci',
    scopes: ['orders:read', 'orders:write'],
    createdAt: '2026-01-01T00:00:00.000Z',
    expiresAt: Math.floor(now.getTime() / 1000) + 30 * 86_400,
    ...overrides,
  };
}
