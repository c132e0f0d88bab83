import { JwtVerifier } from 'aws-jwt-verify';
import {
  FetchError,
  JwksValidationError,
  JwkValidationError,
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtInvalidIssuerError,
  JwtNotBeforeError,
} from 'aws-jwt-verify/error';
import type { JwksCache } from 'aws-jwt-verify/jwk';
import { AccessDeniedError, AuthenticationError, DependencyUnavailableError, type DomainError } from '../domain/errors';

/** The person a management request acts for: the token's `sub`, never anything in the request. */
export interface Principal {
  readonly sub: string;
  readonly scopes: readonly string[];
  /** Auth0 RBAC's `permissions` claim ("Add Permissions in the Access Token"); absent when the token has none. */
  readonly permissions?: readonly string[];
  /** A machine-to-machine token (Auth0's client credentials: `gty`, and `sub` = `<azp>@clients`): it acts for no person. */
  readonly machine: boolean;
  /** The token's `iat`, epoch seconds, when it has one. */
  readonly issuedAt?: number;
}

export interface AccessTokenVerifierOptions {
  /** e.g. `https://example.eu.auth0.com/` (Auth0 issuers end with a slash). */
  readonly issuer: string;
  readonly audience: string;
  readonly requiredScope?: string | undefined;
  /** Defaults to `<issuer>.well-known/jwks.json`. */
  readonly jwksUri?: string | undefined;
  /** Inject a cache (and its fetcher) for tests or a local identity provider. */
  readonly jwksCache?: JwksCache | undefined;
  /**
   * Auth0 machine-to-machine tokens (client credentials: `gty` =
   * `client-credentials`, `sub` = `<client id>@clients`) act for no person;
   * by default they may not own keys.
   */
  readonly allowMachineTokens?: boolean | undefined;
}

const MAX_TOKEN_LENGTH = 8192;
const BEARER = /^Bearer ([A-Za-z0-9_\-.]+)$/i;
/** How far ahead of our clock a token's `iat` may be: clock skew between Auth0 and Lambda, no more. */
export const IAT_LEEWAY_SECONDS = 60;

/** Throwing inside customJwtCheck makes aws-jwt-verify reject the token. */
class TokenShapeError extends Error {}
class MissingScopeError extends Error {}
class MachineTokenError extends Error {}

/** Refused as owners (MACHINE_TOKEN) on either sign: a person whose id merely ends so is refused too, never let in. */
function isMachineToken(payload: Record<string, unknown>): boolean {
  return payload.gty === 'client-credentials' || (typeof payload.sub === 'string' && payload.sub.endsWith('@clients'));
}

/**
 * Trusted as a machine (its `scope` being its client grant, admin-access.ts) only on every sign Auth0's
 * client-credentials tokens carry: `gty`, and `sub` = `<azp>@clients`. A user id from a custom database or
 * an enterprise connection may end in `@clients`; its `scope` is whatever the user asked for.
 */
function isClientCredentialsToken(payload: Record<string, unknown>): boolean {
  return payload.gty === 'client-credentials' && typeof payload.azp === 'string' && payload.sub === `${payload.azp}@clients`;
}

/**
 * What aws-jwt-verify leaves to us, checked after it has verified the
 * signature, exp, nbf, issuer and audience (it already refuses a non-string
 * sub or scope and a non-numeric iat). Each failure is a 401.
 */
function checkTokenShape(header: Readonly<Record<string, unknown>>, payload: Readonly<Record<string, unknown>>): void {
  if (header.alg !== 'RS256') {
    throw new TokenShapeError('Access token must be signed with RS256');
  }
  // RFC 7515 §4.1.11: a recipient must reject a JWS whose crit lists an
  // extension it does not understand. This verifier understands none, so any
  // crit (even an empty or malformed one, which producers must not send) is refused.
  if (header.crit !== undefined) {
    throw new TokenShapeError('Access token uses a critical header extension this API does not support');
  }
  if (typeof payload.exp !== 'number') {
    throw new TokenShapeError('Access token has no exp claim');
  }
  if (typeof payload.sub !== 'string' || payload.sub === '') {
    throw new TokenShapeError('Access token has no sub claim');
  }
  // RFC 7519 §4.1.6 makes iat informational, but no issuer mints tokens in the
  // future: one beyond clock skew was made with a wrong clock, or made up.
  if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + IAT_LEEWAY_SECONDS) {
    throw new TokenShapeError('Access token is issued in the future');
  }
  // Auth0's gty is a string when present. Any other shape is a malformed
  // claim, not a kind of grant: 401 whatever ALLOW_MACHINE_TOKENS says, as
  // aws-jwt-verify treats a non-string sub, rather than 403 MACHINE_TOKEN,
  // which allowing machine tokens would turn into a pass.
  if (payload.gty !== undefined && typeof payload.gty !== 'string') {
    throw new TokenShapeError('Access token has a malformed gty claim');
  }
}

/**
 * Verifies Auth0 access tokens: RS256 only, issuer, audience, signature via the
 * issuer's JWKS (fetched once and cached), and `exp` and `sub` present, which
 * aws-jwt-verify alone would leave optional.
 */
export class AccessTokenVerifier {
  private readonly verifier;

  constructor(options: AccessTokenVerifierOptions) {
    const requiredScope = options.requiredScope;
    const properties = {
      issuer: options.issuer,
      audience: options.audience,
      jwksUri: options.jwksUri ?? new URL('.well-known/jwks.json', options.issuer).toString(),
      // The scope is checked last, in customJwtCheck, so a token that is bad in
      // other ways is a 401 even when it also lacks the scope.
      customJwtCheck: ({ header, payload }: { header: Record<string, unknown>; payload: Record<string, unknown> }) => {
        checkTokenShape(header, payload);
        if (options.allowMachineTokens !== true && isMachineToken(payload)) {
          throw new MachineTokenError();
        }
        if (requiredScope !== undefined && !readScopes(payload.scope).includes(requiredScope)) {
          throw new MissingScopeError();
        }
      },
    };
    this.verifier =
      options.jwksCache === undefined ? JwtVerifier.create(properties) : JwtVerifier.create(properties, { jwksCache: options.jwksCache });
  }

  /** Loads the JWKS ahead of the first request (cold start), so no request waits for it. */
  async hydrate(): Promise<void> {
    await this.verifier.hydrate();
  }

  async verify(authorizationHeader: string | undefined): Promise<Principal> {
    if (authorizationHeader === undefined || authorizationHeader === '') {
      throw new AuthenticationError('Send an access token: Authorization: Bearer <token>', 'MISSING_TOKEN');
    }
    const match = authorizationHeader.length <= MAX_TOKEN_LENGTH + 7 ? BEARER.exec(authorizationHeader) : null;
    if (match?.[1] === undefined) {
      throw new AuthenticationError('Authorization must be "Bearer <access token>"');
    }
    try {
      const payload = await this.verifier.verify(match[1]);
      // customJwtCheck has required it already; this tells the type checker.
      if (typeof payload.sub !== 'string') throw new TokenShapeError('Access token has no sub claim');
      const permissions = readPermissions(payload.permissions);
      return {
        sub: payload.sub,
        scopes: readScopes(payload.scope),
        ...(permissions !== undefined ? { permissions } : {}),
        machine: isClientCredentialsToken(payload),
        ...(typeof payload.iat === 'number' ? { issuedAt: payload.iat } : {}),
      };
    } catch (error) {
      throw describeFailure(error);
    }
  }
}

/** Auth0 puts RBAC permissions in a `permissions` array of strings; anything else is no claim (rights then come from `scope`). */
function readPermissions(claim: unknown): string[] | undefined {
  return Array.isArray(claim) && claim.every((item) => typeof item === 'string') ? claim : undefined;
}

function readScopes(scope: unknown): string[] {
  return typeof scope === 'string' ? scope.split(' ').filter((s) => s !== '') : [];
}

/** Fixed messages: nothing from the token itself is echoed back. */
function describeFailure(error: unknown): DomainError {
  if (error instanceof MachineTokenError) {
    return new AccessDeniedError('Machine-to-machine tokens may not manage API keys; log in as a person', 'MACHINE_TOKEN');
  }
  if (error instanceof MissingScopeError) {
    return new AccessDeniedError('Access token lacks the scope this API requires', 'INSUFFICIENT_SCOPE');
  }
  // A JWKS the provider served broken (as a whole or one key) is its fault: retryable.
  if (error instanceof FetchError || error instanceof JwksValidationError || error instanceof JwkValidationError) {
    return new DependencyUnavailableError('The identity provider could not be reached; try again shortly', 'IDP_UNAVAILABLE', {
      cause: error,
    });
  }
  const reason =
    error instanceof JwtExpiredError
      ? 'Access token has expired'
      : error instanceof JwtNotBeforeError
        ? 'Access token is not valid yet'
        : error instanceof JwtInvalidAudienceError
          ? 'Access token is for another audience'
          : error instanceof JwtInvalidIssuerError
            ? 'Access token is from another issuer'
            : error instanceof TokenShapeError
              ? error.message
              : 'Access token is invalid';
  return new AuthenticationError(reason, 'INVALID_TOKEN', { cause: error });
}
