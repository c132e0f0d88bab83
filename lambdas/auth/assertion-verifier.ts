import { JwtVerifier } from 'aws-jwt-verify';
import { FetchError, JwksNotAvailableInCacheError, JwksValidationError, JwkValidationError, JwtExpiredError } from 'aws-jwt-verify/error';
import type { JwksCache } from 'aws-jwt-verify/jwk';
import type { AssertionSubject } from '../domain/assertion-signer';
import type { Jwks } from '../domain/signing-keys';
import { DependencyUnavailableError, InvalidAssertionError } from '../domain/errors';

export interface AssertionVerifierOptions {
  readonly issuer: string;
  readonly audience: string;
  /** Defaults to `<issuer>/.well-known/jwks.json`. */
  readonly jwksUri?: string | undefined;
  /** Inject a cache (and its fetcher) for tests or the local gateway's http JWKS. */
  readonly jwksCache?: JwksCache | undefined;
}

export interface VerifiedAssertion extends AssertionSubject {
  readonly kid: string;
}

const MAX_ASSERTION_LENGTH = 4096;
class AssertionShapeError extends Error {}

/**
 * What a backend does with `x-api-key-assertion` (the sample /whoami does it):
 * ES256 only, signature against the gateway's JWKS, issuer, audience, and
 * `exp`, `sub`, `keyId` and `scopes` present (aws-jwt-verify would leave `exp` optional).
 */
export class AssertionVerifier {
  private readonly verifier;

  constructor(options: AssertionVerifierOptions) {
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
    try {
      const verified = await this.verifier.verify(assertion);
      // Verified, so its header is well-formed JSON with the kid the JWKS matched.
      const header = JSON.parse(Buffer.from(assertion.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid?: unknown };
      return {
        sub: String(verified.sub),
        keyId: verified.keyId as string,
        scopes: verified.scopes as string[],
        kid: typeof header.kid === 'string' ? header.kid : '',
      };
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
