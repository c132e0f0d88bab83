import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Secrets carry 256 random bits, so a single SHA-256 is enough to make the
 * stored value useless to a thief (NIST SP 800-63B 5.1.2 asks for slow hashing
 * only for low-entropy, user-chosen secrets).
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * What a presented secret is compared with when there is no stored hash (no
 * such key, or an unreadable item), so that case does the same hashing and
 * comparing as a wrong secret. Its result is never used as a match.
 */
export const DUMMY_SECRET_HASH = hashSecret('no key has this secret: a stand-in for a missing hash');

/** Compares a presented secret with a stored hash; injectable so tests can see the comparison run. */
export type SecretComparison = (secret: string, storedHash: string) => boolean;

/**
 * Constant-time comparison of the presented secret's digest with the stored
 * one. A malformed stored hash is compared with the dummy instead (and never
 * matches), so it costs what a wrong secret costs.
 */
export function secretMatchesHash(secret: string, storedHash: string): boolean {
  const wellFormed = SHA256_HEX.test(storedHash);
  const presented = createHash('sha256').update(secret, 'utf8').digest();
  const equal = timingSafeEqual(presented, Buffer.from(wellFormed ? storedHash : DUMMY_SECRET_HASH, 'hex'));
  return wellFormed && equal;
}
