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

/** Constant-time comparison of the presented secret's digest with the stored one. */
export function secretMatchesHash(secret: string, storedHash: string): boolean {
  if (!SHA256_HEX.test(storedHash)) {
    return false;
  }
  const presented = createHash('sha256').update(secret, 'utf8').digest();
  return timingSafeEqual(presented, Buffer.from(storedHash, 'hex'));
}
