import { createHash, randomBytes } from 'node:crypto';

/** A random, unguessable string (256 bits by default), base64url: codes, tokens, session and login ids. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * SHA-256 of `text`, base64url. The stores key secrets by their hash, so
 * nothing a client holds (a code, a refresh token, a session cookie) is kept
 * as it was sent; PKCE's S256 is the same digest.
 */
export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64url');
}
