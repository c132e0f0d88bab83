import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { assertionLifetimeSeconds } from '../lambdas/api-definition';
import { AssertionVerifier } from '../lambdas/auth/assertion-verifier';
import type { TokenKeySource } from '../lambdas/domain/access-token';
import { AssertionIssuer } from '../lambdas/domain/assertion-signer';
import { activeKey, publicJwks, rotatedKeySet, signingKeys, type Jwks } from '../lambdas/domain/signing-keys';
import { LoopbackJwksFetcher } from './loopback-jwks-fetcher';

export interface LocalAssertionOptions {
  readonly authorizerCacheTtlSeconds: number;
  /** ASSERTION_ISSUER / ASSERTION_AUDIENCE; unset, the gateway's own URL (known once it listens). */
  readonly issuer?: string | undefined;
  readonly audience?: string | undefined;
  readonly now?: (() => number) | undefined;
}

/**
 * `npm start`'s stand-in for the deployed signing: one key generated at
 * start (in memory only: no Secrets Manager, nothing on disk), signed with by
 * the same AssertionIssuer the authorizer uses in Lambda, published by the
 * same JWKS handler, and verified by the sample /whoami over http, as a
 * backend would.
 */
export class LocalAssertions {
  readonly jwks: { jwks(): Promise<Jwks> };
  /** The same key as the access tokens' MAC key, as deployed (access-token.ts). */
  readonly tokenKeys: TokenKeySource;
  private readonly keys;

  constructor(private readonly options: LocalAssertionOptions) {
    const set = rotatedKeySet(undefined, new Date(options.now?.() ?? Date.now()));
    this.keys = signingKeys(set);
    const published = publicJwks(set);
    this.jwks = { jwks: () => Promise.resolve(published) };
    const keys = this.keys;
    this.tokenKeys = {
      current: () => Promise.resolve(activeKey(keys, options.now?.() ?? Date.now())),
      byKid: (kid) => Promise.resolve(keys.find((key) => key.kid === kid)),
    };
  }

  get kid(): string {
    return activeKey(this.keys, Number.NEGATIVE_INFINITY).kid;
  }

  /** The signer and the verifier, once the gateway's URL is known. */
  forGateway(gatewayUrl: string): { issuer: AssertionIssuer; verifier: AssertionVerifier; issuerUrl: string; audience: string } {
    const issuerUrl = this.options.issuer ?? gatewayUrl;
    const audience = this.options.audience ?? gatewayUrl;
    const keys = this.keys;
    const issuer = new AssertionIssuer({
      issuer: issuerUrl,
      audience,
      lifetimeSeconds: assertionLifetimeSeconds(this.options.authorizerCacheTtlSeconds),
      key: () => Promise.resolve(activeKey(keys, this.options.now?.() ?? Date.now())),
      now: this.options.now,
    });
    const verifier = new AssertionVerifier({
      issuer: issuerUrl,
      audience,
      // Through the gateway's own route, as a backend fetches it (http on 127.0.0.1 only).
      jwksUri: `${gatewayUrl}/.well-known/jwks.json`,
      jwksCache: new SimpleJwksCache({ fetcher: new LoopbackJwksFetcher() }),
    });
    return { issuer, verifier, issuerUrl, audience };
  }
}
