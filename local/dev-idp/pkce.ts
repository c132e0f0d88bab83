import { timingSafeEqual } from 'node:crypto';
import { sha256 } from './opaque';

/**
 * PKCE (RFC 7636) with S256 only: Auth0 supports no other method (its
 * authorize docs: "Auth0 supports only S256"), and `plain` would hand the
 * verifier to whoever sees the authorize URL.
 */
export const CODE_CHALLENGE_METHOD = 'S256';

/** 43-128 unreserved characters (RFC 7636 section 4.1). */
const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** An S256 challenge is base64url; 43-128 like the verifier it may stand for (section 4.2). */
const CODE_CHALLENGE = /^[A-Za-z0-9\-_]{43,128}$/;

export function isCodeChallenge(challenge: string | undefined): challenge is string {
  return challenge !== undefined && CODE_CHALLENGE.test(challenge);
}

/** Whether BASE64URL(SHA256(verifier)) is `challenge`, compared in constant time. */
export function verifiesChallenge(verifier: string | undefined, challenge: string): boolean {
  if (verifier === undefined || !CODE_VERIFIER.test(verifier)) return false;
  const expected = Buffer.from(challenge);
  const actual = Buffer.from(sha256(verifier));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
