import type { ServerResponse } from 'node:http';
import { sendJson } from '../http-util';
import type { AuthorizationCodeStore, UserGrant } from './authorization-codes';
import type { ClientRegistry } from './clients';
import type { IdTokenSigner } from './id-token';
import { NO_STORE, sendOAuthError } from './oauth-replies';
import type { RefreshTokenStore } from './refresh-tokens';
import { TOKEN_LIFETIME_SECONDS, type TokenSigner } from './token-signer';

/**
 * `POST /oauth/token`'s grants for a signed-in person, as a SPA uses them:
 * `authorization_code` (with PKCE) and `refresh_token` (rotating). Refusals
 * are those of RFC 6749 section 5.2 with the statuses Auth0 answers: 403 to
 * every `invalid_grant` (its "Invalid authorization code", "Failed to verify
 * code verifier", "Unknown or invalid refresh token." replies; auth0-spa-js
 * falls back to the iframe on the last because it contains "invalid refresh
 * token"), 401 `invalid_client` to an unregistered client, 400
 * `invalid_request` to a missing parameter.
 */

export type Grant = (params: Record<string, string | undefined>, response: ServerResponse) => Promise<void>;

export interface UserTokenDependencies {
  readonly clients: ClientRegistry;
  readonly codes: AuthorizationCodeStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly signer: TokenSigner;
  readonly idTokens: IdTokenSigner;
}

/** Auth0 answers 403, not RFC 6749's 400, to invalid_grant. */
export const INVALID_GRANT_STATUS = 403;
export const UNKNOWN_REFRESH_TOKEN = 'Unknown or invalid refresh token.';

function hasScope(scope: string | undefined, wanted: string): boolean {
  return (scope ?? '').split(' ').includes(wanted);
}

export function userTokenGrants(deps: UserTokenDependencies): { authorizationCode: Grant; refreshToken: Grant } {
  /** The registered client a request names, or undefined once its refusal is sent. */
  const clientOf = (params: Record<string, string | undefined>, response: ServerResponse): string | undefined => {
    const clientId = params.client_id;
    if (clientId === undefined || clientId === '') {
      sendOAuthError(response, 400, 'invalid_request', 'Missing required parameter: client_id', NO_STORE);
      return undefined;
    }
    if (deps.clients.get(clientId) === undefined) {
      sendOAuthError(response, 401, 'invalid_client', 'Unknown client', NO_STORE);
      return undefined;
    }
    return clientId;
  };

  const sendTokens = async (
    response: ServerResponse,
    grant: UserGrant,
    extras: { nonce: string | undefined; refreshToken: string | undefined },
  ): Promise<void> => {
    const accessToken = await deps.signer.sign({ sub: grant.user, audience: grant.audience, scope: grant.scope });
    // OpenID Connect: an ID token only for the openid scope (auth0-spa-js always asks for it).
    const idToken = hasScope(grant.scope, 'openid') ? await deps.idTokens.sign(grant, extras.nonce) : undefined;
    sendJson(
      response,
      200,
      {
        access_token: accessToken,
        ...(idToken !== undefined ? { id_token: idToken } : {}),
        ...(extras.refreshToken !== undefined ? { refresh_token: extras.refreshToken } : {}),
        ...(grant.scope !== undefined ? { scope: grant.scope } : {}),
        expires_in: TOKEN_LIFETIME_SECONDS,
        token_type: 'Bearer',
      },
      NO_STORE,
    );
  };

  const authorizationCode: Grant = async (params, response) => {
    const clientId = clientOf(params, response);
    if (clientId === undefined) return;
    const { code } = params;
    if (code === undefined || code === '') {
      sendOAuthError(response, 400, 'invalid_request', 'Missing required parameter: code', NO_STORE);
      return;
    }
    const redeemed = deps.codes.redeem(code, { clientId, redirectUri: params.redirect_uri, codeVerifier: params.code_verifier });
    if (redeemed.outcome !== 'granted') {
      // RFC 6749 section 4.1.2: a code used twice revokes what it was exchanged for.
      if (redeemed.outcome === 'reused') deps.refreshTokens.revokeFamily(redeemed.grantId);
      sendOAuthError(response, INVALID_GRANT_STATUS, 'invalid_grant', redeemed.description, NO_STORE);
      return;
    }
    const { grant, nonce, grantId } = redeemed;
    // Refresh tokens only for offline_access, as Auth0 issues them.
    const refreshToken = hasScope(grant.scope, 'offline_access') ? deps.refreshTokens.issue(grantId, grant) : undefined;
    await sendTokens(response, grant, { nonce, refreshToken });
  };

  const refreshToken: Grant = async (params, response) => {
    const clientId = clientOf(params, response);
    if (clientId === undefined) return;
    const token = params.refresh_token;
    if (token === undefined || token === '') {
      sendOAuthError(response, 400, 'invalid_request', 'Missing required parameter: refresh_token', NO_STORE);
      return;
    }
    const rotated = deps.refreshTokens.rotate(token, clientId);
    if (rotated.outcome !== 'rotated') {
      sendOAuthError(response, INVALID_GRANT_STATUS, 'invalid_grant', UNKNOWN_REFRESH_TOKEN, NO_STORE);
      return;
    }
    // A refreshed ID token carries no nonce: none was asked for (auth0-spa-js checks it only when it sent one).
    await sendTokens(response, rotated.grant, { nonce: undefined, refreshToken: rotated.refreshToken });
  };

  return { authorizationCode, refreshToken };
}
