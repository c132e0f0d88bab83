import { JwtVerifier } from 'aws-jwt-verify';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

const ISSUER = 'https://tenant.eu.auth0.com/';
const AUDIENCE = 'https://api.example.com';
const SUBJECT = 'auth0|6650f1c2a9b8e7d6c5b4a391';
export const MODULUS_BITS = 2048;

/** A JWKS as Auth0 publishes it (RS256 keys). */
export interface Auth0Jwks {
  readonly keys: readonly Record<string, unknown>[];
}

export interface Auth0Token {
  readonly token: string;
  /** The two-key JWKS the token's key is in: what the deployed-bundle child (figure 1) verifies against. */
  readonly jwks: Auth0Jwks;
  readonly header: Record<string, unknown>;
  /** The verified payload's claim names. */
  readonly claims: string[];
  readonly jwksKeys: number;
  /** aws-jwt-verify with the JWKS already cached, as a warm API would hold it. */
  verify(): Promise<unknown>;
}

/**
 * Figure 4's comparison: an Auth0-shaped RS256 access token (two audiences,
 * scope and azp claims), a JWKS of two keys as after a rotation, and
 * aws-jwt-verify configured as an API would configure it. Fails the run if
 * the token does not verify.
 */
export async function auth0Token(nowMs: number): Promise<Auth0Token> {
  const signing = await generateKeyPair('RS256', { modulusLength: MODULUS_BITS });
  const rotated = await generateKeyPair('RS256', { modulusLength: MODULUS_BITS });
  const jwks = {
    keys: [
      { ...(await exportJWK(signing.publicKey)), kid: 'bench-key-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(rotated.publicKey)), kid: 'bench-key-2', alg: 'RS256', use: 'sig' },
    ],
  };
  const iat = Math.floor(nowMs / 1000);
  const header = { alg: 'RS256', typ: 'JWT', kid: 'bench-key-1' };
  const token = await new SignJWT({
    scope: 'openid profile email read:orders write:orders',
    azp: 'Xq3bV9kLm2Np7Rt5Wz8Yc4Hd6Jf1Gs0A',
  })
    .setProtectedHeader(header)
    .setIssuer(ISSUER)
    .setSubject(SUBJECT)
    .setAudience([AUDIENCE, `${ISSUER}userinfo`])
    .setIssuedAt(iat)
    .setExpirationTime(iat + 86_400)
    .sign(signing.privateKey);
  const verify = auth0Verifier(jwks);
  const verified = (await verify(token)) as { sub?: unknown };
  if (verified.sub !== SUBJECT) throw new Error('the JWT did not verify');
  return { token, jwks, header, claims: Object.keys(verified), jwksKeys: jwks.keys.length, verify: () => verify(token) };
}

/**
 * aws-jwt-verify configured as an API behind Auth0 configures it (issuer,
 * audience, the tenant's JWKS URI), with the JWKS already cached, as a warm
 * API holds it: no fetch. Used in-process (figure 4) and in figure 1's child.
 */
export function auth0Verifier(jwks: Auth0Jwks): (token: string) => Promise<unknown> {
  const verifier = JwtVerifier.create({ issuer: ISSUER, audience: AUDIENCE, jwksUri: `${ISSUER}.well-known/jwks.json` });
  verifier.cacheJwks(jwks as Parameters<typeof verifier.cacheJwks>[0]);
  return (token) => verifier.verify(token);
}
