import { SignJWT } from 'jose';
import type { UserGrant } from './authorization-codes';
import type { SigningKey } from './token-signer';

/** How long ID tokens live: Auth0's default, 10 hours. */
export const ID_TOKEN_LIFETIME_SECONDS = 36_000;

export interface IdTokenSignerOptions {
  readonly key: SigningKey;
  /** `iss`, with Auth0's trailing slash: auth0-spa-js expects `<domain>/`. */
  readonly issuer: string;
  /** Milliseconds since the epoch; default Date.now. */
  readonly now?: (() => number) | undefined;
}

/**
 * Signs OpenID Connect ID tokens as Auth0 does for a SPA, with the access
 * tokens' key (RS256: the only algorithm auth0-spa-js accepts). It checks
 * `iss`, `aud` (the client id), `azp`, `nonce`, `exp`, `iat` and `auth_time`.
 * `name` and `nickname` are the user id, given with the `profile` scope as
 * Auth0 gives profile claims.
 */
export class IdTokenSigner {
  private readonly now: () => number;

  constructor(private readonly options: IdTokenSignerOptions) {
    this.now = options.now ?? Date.now;
  }

  sign(grant: UserGrant, nonce: string | undefined): Promise<string> {
    const issuedAt = Math.floor(this.now() / 1000);
    const profile = (grant.scope ?? '').split(' ').includes('profile');
    return new SignJWT({
      ...(profile ? { name: grant.user, nickname: grant.user } : {}),
      azp: grant.clientId,
      auth_time: grant.authTime,
      ...(nonce !== undefined ? { nonce } : {}),
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.options.key.kid })
      .setIssuer(this.options.issuer)
      .setSubject(grant.user)
      .setAudience(grant.clientId)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ID_TOKEN_LIFETIME_SECONDS)
      .sign(this.options.key.privateKey);
  }
}
