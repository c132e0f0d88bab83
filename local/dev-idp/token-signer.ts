import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';

/** How long the access tokens live (`expires_in`), like Auth0's default. */
export const TOKEN_LIFETIME_SECONDS = 3600;

export interface SigningKey {
  readonly privateKey: KeyLike;
  readonly kid: string;
  /** The public half, with its `kid`, as the JWKS serves it. */
  readonly jwk: JWK;
}

/** A fresh RS256 key pair under a random key id; the private half can be exported (key-file.ts saves it). */
export async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { privateKey, kid, jwk };
}

export interface TokenSignerOptions {
  readonly key: SigningKey;
  /** `iss`, with Auth0's trailing slash. */
  readonly issuer: string;
  /** Milliseconds since the epoch, for `iat` and `exp`; default Date.now. */
  readonly now?: (() => number) | undefined;
  /**
   * What every person "holds" in the `permissions` claim when a token request names no scope: as with
   * Auth0 RBAC and "Add Permissions in the Access Token", whose claim lists the user's permissions whatever
   * was asked for. `npm start` gives the scopes keys may carry, so its walk-throughs work as printed.
   */
  readonly defaultPermissions?: readonly string[] | undefined;
}

export interface TokenClaims {
  readonly sub: string;
  readonly audience: string;
  /** Left out of the token when undefined. */
  readonly scope?: string | undefined;
  /** Default TOKEN_LIFETIME_SECONDS. */
  readonly expiresInSeconds?: number | undefined;
}

/** The scopes OpenID Connect defines for the login itself (https://openid.net/specs/openid-connect-core-1_0.html#ScopeClaims, §11). */
const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'address', 'phone', 'offline_access']);

/** Signs RS256 access tokens shaped like Auth0's, each with a fresh `jti`. */
export class TokenSigner {
  private readonly key: SigningKey;
  private readonly issuer: string;
  private readonly now: () => number;
  private readonly defaultPermissions: readonly string[] | undefined;

  constructor(options: TokenSignerOptions) {
    this.key = options.key;
    this.issuer = options.issuer;
    this.now = options.now ?? Date.now;
    this.defaultPermissions = options.defaultPermissions;
  }

  get jwk(): JWK {
    return this.key.jwk;
  }

  sign(claims: TokenClaims): Promise<string> {
    const issuedAt = Math.floor(this.now() / 1000);
    // As Auth0 does with RBAC and "Add Permissions in the Access Token": a person's token lists what they hold.
    // The development IdP grants whatever a request asks for (so KEY_SCOPES_FROM_TOKEN and ADMIN_SCOPE can be
    // tried locally), and the default permissions when it asks for nothing. A machine's rights are its scope.
    // OpenID Connect's own scopes (a browser login's `openid profile offline_access`) are about the login, not
    // the API: a request that asks only for them asks for no API permission, so it gets the default ones.
    const asked = claims.scope?.split(' ').filter((scope) => scope !== '' && !OIDC_SCOPES.has(scope));
    const askedForAny = asked !== undefined && asked.length > 0 ? asked : undefined;
    // A client id `<name>@clients` gets a machine's token, shaped as Auth0's client-credentials ones are.
    const client = claims.sub.endsWith('@clients') ? claims.sub.slice(0, -'@clients'.length) : undefined;
    const permissions = client !== undefined ? undefined : (askedForAny ?? this.defaultPermissions);
    return new SignJWT({
      ...(claims.scope !== undefined ? { scope: claims.scope } : {}),
      ...(permissions !== undefined ? { permissions: [...permissions] } : {}),
      ...(client !== undefined ? { gty: 'client-credentials', azp: client } : {}),
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.key.kid })
      .setIssuer(this.issuer)
      .setSubject(claims.sub)
      .setAudience(claims.audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + (claims.expiresInSeconds ?? TOKEN_LIFETIME_SECONDS))
      .setJti(randomUUID())
      .sign(this.key.privateKey);
  }
}
