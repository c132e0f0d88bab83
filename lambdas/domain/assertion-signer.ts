import { sign } from 'node:crypto';
import type { SigningKey } from './signing-keys';

/** What the gateway asserts to the backend about the key a request came with. */
export interface AssertionSubject {
  readonly sub: string;
  readonly keyId: string;
  readonly scopes: readonly string[];
}

export interface AssertionClaims extends AssertionSubject {
  readonly iss: string;
  readonly aud: string;
  readonly iat: number;
  readonly exp: number;
}

const base64url = (json: unknown): string => Buffer.from(JSON.stringify(json)).toString('base64url');

/**
 * An ES256 JWS compact serialization (RFC 7515, RFC 7518 §3.4), written by
 * hand over node:crypto: a dozen lines against a JOSE library in the
 * authorizer's bundle, which is on every request's cold start. `ieee-p1363`
 * gives the raw r||s signature JWS wants, not DER.
 */
export function signEs256Jwt(claims: AssertionClaims, key: SigningKey): string {
  const signingInput = `${base64url({ alg: 'ES256', typ: 'JWT', kid: key.kid })}.${base64url(claims)}`;
  const signature = sign('sha256', Buffer.from(signingInput), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${signature.toString('base64url')}`;
}

export interface AssertionIssuerOptions {
  readonly issuer: string;
  readonly audience: string;
  /** Seconds an assertion stays valid: longer than both verdict caches together, plus a margin. */
  readonly lifetimeSeconds: number;
  /** The key to sign with now; rejects (fail closed) while none can be loaded. */
  readonly key: () => Promise<SigningKey>;
  readonly now?: (() => number) | undefined;
}

/** Signs the identity assertion for one fresh verdict (cached with it, so not per request). */
export class AssertionIssuer {
  private readonly now: () => number;

  constructor(private readonly options: AssertionIssuerOptions) {
    this.now = options.now ?? Date.now;
  }

  async issue(subject: AssertionSubject): Promise<string> {
    const key = await this.options.key();
    const iat = Math.floor(this.now() / 1000);
    return signEs256Jwt(
      {
        iss: this.options.issuer,
        aud: this.options.audience,
        sub: subject.sub,
        keyId: subject.keyId,
        scopes: [...subject.scopes],
        iat,
        exp: iat + this.options.lifetimeSeconds,
      },
      key,
    );
  }
}
