import { JwtVerifier } from 'aws-jwt-verify';
import { FetchError, JwksNotAvailableInCacheError, JwksValidationError, JwkValidationError, JwtExpiredError } from 'aws-jwt-verify/error';
import type { JwksCache } from 'aws-jwt-verify/jwk';
import type { AssertionSubject } from '../domain/assertion-signer';
import { ExpiringCache } from '../domain/expiring-cache';
import type { Jwks } from '../domain/signing-keys';
import { DependencyUnavailableError, InvalidAssertionError } from '../domain/errors';

export interface AssertionVerifierOptions {
  readonly issuer: string;
  readonly audience: string;
  /** Defaults to `<issuer>/.well-known/jwks.json`. */
  readonly jwksUri?: string | undefined;
  /** Inject a cache (and its fetcher) for tests or the local gateway's http JWKS. */
  readonly jwksCache?: JwksCache | undefined;
  /** How many verified assertions to remember until their `exp` (default VERIFIED_CACHE_SIZE); 0 verifies every one. */
  readonly verifiedCacheSize?: number | undefined;
}

export interface VerifiedAssertion extends AssertionSubject {
  readonly kid: string;
}

const MAX_ASSERTION_LENGTH = 4096;
class AssertionShapeError extends Error {}

/**
 * Verified assertions remembered, at most: the gateway hands the same assertion with every request its cached
 * verdict allows (one per key and route for the cache TTL), so a warm backend sees each many times.
 */
export const VERIFIED_CACHE_SIZE = 1000;

/**
 * What a backend does with `x-api-key-assertion` (the sample /whoami does it):
 * ES256 only, signature against the gateway's JWKS, issuer, audience, and
 * `exp`, `sub`, `keyId` and `scopes` present (aws-jwt-verify would leave `exp` optional).
 *
 * An assertion that verified is remembered, by its exact text, until its own `exp` (on the clock
 * aws-jwt-verify checks `exp` against), so a repeat skips the ECDSA check, the bulk of a request's cost:
 * any other text (one byte changed) is verified in full, a failure is never remembered, an expired
 * assertion is never accepted, and at most `verifiedCacheSize` are kept (the oldest go first). What it
 * adds: one that verified stays accepted until its `exp` should its key leave the JWKS meanwhile (an
 * assertion lives the cache TTLs plus 60 s, 120 s by default); aws-jwt-verify itself keeps a key it has
 * seen until it next fetches the JWKS, which it does only for a `kid` it does not know.
 */
export class AssertionVerifier {
  private readonly verifier;
  private readonly verified: ExpiringCache<VerifiedAssertion> | undefined;

  constructor(options: AssertionVerifierOptions) {
    const cacheSize = options.verifiedCacheSize ?? VERIFIED_CACHE_SIZE;
    this.verified = cacheSize > 0 ? new ExpiringCache<VerifiedAssertion>(cacheSize, () => Date.now()) : undefined;
    const properties = {
      issuer: options.issuer,
      audience: options.audience,
      jwksUri: options.jwksUri ?? `${options.issuer}/.well-known/jwks.json`,
      customJwtCheck: ({ header, payload }: { header: Record<string, unknown>; payload: Record<string, unknown> }) => {
        if (header.alg !== 'ES256') throw new AssertionShapeError('not ES256');
        if (typeof payload.exp !== 'number') throw new AssertionShapeError('no exp');
        if (typeof payload.sub !== 'string' || typeof payload.keyId !== 'string') throw new AssertionShapeError('no subject');
        if (!Array.isArray(payload.scopes) || !payload.scopes.every((scope) => typeof scope === 'string')) {
          throw new AssertionShapeError('no scopes');
        }
      },
    };
    this.verifier =
      options.jwksCache === undefined ? JwtVerifier.create(properties) : JwtVerifier.create(properties, { jwksCache: options.jwksCache });
  }

  /** Hands the verifier the JWKS instead of fetching it (tests, and a backend that holds the keys already). */
  cacheJwks(jwks: Jwks): void {
    this.verifier.cacheJwks({ keys: jwks.keys.map((key) => ({ ...key })) });
  }

  async verify(assertion: string | undefined): Promise<VerifiedAssertion> {
    if (assertion === undefined || assertion === '') throw new InvalidAssertionError('The request carries no gateway assertion');
    if (assertion.length > MAX_ASSERTION_LENGTH) throw new InvalidAssertionError('The gateway assertion is invalid');
    const remembered = this.verified?.get(assertion);
    if (remembered !== undefined) return remembered;
    try {
      const verified = await this.verifier.verify(assertion);
      // Verified, so its header is well-formed JSON with the kid the JWKS matched.
      const header = JSON.parse(Buffer.from(assertion.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid?: unknown };
      // Frozen: each caller gets the same one.
      const result: VerifiedAssertion = Object.freeze({
        sub: String(verified.sub),
        keyId: verified.keyId as string,
        scopes: Object.freeze([...(verified.scopes as string[])]),
        kid: typeof header.kid === 'string' ? header.kid : '',
      });
      // `exp` is a number (customJwtCheck), and now (or later) is within it: kept until then, not a moment past.
      if (typeof verified.exp === 'number') this.verified?.set(assertion, result, verified.exp * 1000);
      return result;
    } catch (error) {
      if (
        error instanceof FetchError ||
        error instanceof JwksValidationError ||
        error instanceof JwkValidationError ||
        error instanceof JwksNotAvailableInCacheError
      ) {
        throw new DependencyUnavailableError('The gateway’s signing keys could not be read; try again shortly', 'JWKS_UNAVAILABLE', {
          cause: error,
        });
      }
      // Fixed messages: nothing from the assertion is echoed back.
      throw new InvalidAssertionError(
        error instanceof JwtExpiredError ? 'The gateway assertion has expired' : 'The gateway assertion is invalid',
        {
          cause: error,
        },
      );
    }
  }
}
