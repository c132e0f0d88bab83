import type { AccessTokens } from './access-token';
import { MAX_ACCESS_TOKEN_TTL_SECONDS } from './access-token';
import { DependencyUnavailableError, isDomainError } from './errors';
import type { KeyFormat } from './key-format';
import type { Clock, KeyStore } from './key-store';
import { systemClock } from './key-store';
import { secretMatchesHash } from './secret-hash';
import { describable, OAuthError, type ClientCredentialsRequest } from './token-request';
import { judgeKey, presentedPair } from './verdict';

/** RFC 6749 §5.1's answer. */
export interface TokenGrant {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  /** The granted scopes, space-separated; left out when there are none (an empty scope is no scope value, §3.3). */
  readonly scope?: string;
}

export interface TokenExchangeOptions {
  readonly store: Pick<KeyStore, 'getKey'>;
  readonly format: KeyFormat;
  readonly tokens: Pick<AccessTokens, 'mint'>;
  /** ACCESS_TOKEN_TTL_SECONDS: the longest a token lives (never past its key's expiry). */
  readonly ttlSeconds: number;
  readonly clock?: Clock | undefined;
}

const INVALID_CLIENT = 'The client id and secret do not match an active key';

/**
 * The client-credentials grant: a key (imported Stormpath pair, or a native
 * key with its id) is exchanged for a short-lived access token carrying a
 * subset of its scopes. The client is authenticated as the authorizer
 * authenticates a key: no read for a malformed one, one strongly consistent
 * GetItem and a constant-time digest comparison otherwise, and any refusal
 * (unknown, wrong secret, revoked, disabled, expired) is the same
 * `invalid_client`, so the answer tells an attacker nothing.
 */
export class TokenExchange {
  private readonly clock: Clock;
  private readonly ttlSeconds: number;

  constructor(private readonly options: TokenExchangeOptions) {
    this.clock = options.clock ?? systemClock;
    this.ttlSeconds = Math.min(options.ttlSeconds, MAX_ACCESS_TOKEN_TTL_SECONDS);
  }

  async exchange(request: ClientCredentialsRequest): Promise<TokenGrant> {
    const presented = presentedPair(request.clientId, request.clientSecret, this.options.format);
    if (!presented.ok) throw new OAuthError('invalid_client', INVALID_CLIENT);
    const stored = await this.options.store.getKey(presented.keyId);
    const now = this.clock();
    const verdict = judgeKey(presented, stored, now, secretMatchesHash);
    if (!verdict.valid || stored === undefined) throw new OAuthError('invalid_client', INVALID_CLIENT);
    const scopes = request.scopes ?? verdict.scopes;
    const refused = scopes.filter((scope) => !verdict.scopes.includes(scope));
    if (refused.length > 0) {
      throw new OAuthError('invalid_scope', `This key does not carry ${refused.map((scope) => `'${describable(scope, 64)}'`).join(', ')}`);
    }
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const expiresIn = Math.min(this.ttlSeconds, stored.expiresAt - nowSeconds);
    if (expiresIn <= 0) throw new OAuthError('invalid_client', INVALID_CLIENT);
    let accessToken: string;
    try {
      accessToken = await this.options.tokens.mint({ keyId: verdict.keyId, scopes, expiresAt: nowSeconds + expiresIn });
    } catch (error) {
      if (isDomainError(error)) throw error;
      throw new DependencyUnavailableError('The token signing key could not be loaded; try again shortly', 'SIGNING_KEY_UNAVAILABLE', {
        cause: error,
      });
    }
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: expiresIn,
      ...(scopes.length > 0 ? { scope: scopes.join(' ') } : {}),
    };
  }
}
