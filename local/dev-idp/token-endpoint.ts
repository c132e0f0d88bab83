import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../http-util';
import { MAX_FIELD_LENGTH, type DeviceCodeStore, type PollRefusal } from './device-codes';
import { NO_STORE, sendOAuthError, sendUnreadableBody } from './oauth-replies';
import { nonEmpty, readRequestBody } from './request-body';
import { TOKEN_LIFETIME_SECONDS, type TokenSigner } from './token-signer';
import type { Grant } from './user-token-grants';

export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

export interface TokenEndpointDependencies {
  readonly store: DeviceCodeStore;
  readonly signer: TokenSigner;
  /** The audience of client_credentials tokens whose request names none. */
  readonly defaultAudience: string;
  /** authorization_code and refresh_token, for registered clients (user-token-grants.ts). */
  readonly userGrants: { readonly authorizationCode: Grant; readonly refreshToken: Grant };
}

/** access_denied to a code locked by wrong guesses: the login must start again. */
const LOCKED_DESCRIPTION = 'The user code was locked after too many wrong codes were entered. Request a new one.';

/** Status and description of each refused poll, as Auth0 answers them. */
function refusal(outcome: PollRefusal, intervalSeconds: number): { status: number; description: string } {
  switch (outcome) {
    case 'invalid_grant':
      return { status: 403, description: 'Invalid or expired device code.' };
    case 'expired_token':
      return { status: 403, description: 'The device code has expired. Request a new one.' };
    case 'slow_down':
      return { status: 429, description: `Poll at most every ${intervalSeconds} seconds.` };
    case 'authorization_pending':
      return { status: 403, description: 'User has yet to authorize device code.' };
    case 'access_denied':
      return { status: 403, description: 'User refused to authorize device code.' };
  }
}

/**
 * `POST /oauth/token`: grant_type=client_credentials (the user id as client_id), the device-code grant,
 * and a registered SPA's authorization_code and refresh_token.
 */
export function tokenEndpoint(deps: TokenEndpointDependencies): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const sendToken = async (
    response: ServerResponse,
    claims: { sub: string; audience: string; scope: string | undefined },
    echoScope: boolean,
  ): Promise<void> => {
    const token = await deps.signer.sign(claims);
    const body = { access_token: token, token_type: 'Bearer', expires_in: TOKEN_LIFETIME_SECONDS };
    sendJson(response, 200, echoScope && claims.scope !== undefined ? { ...body, scope: claims.scope } : body, NO_STORE);
  };

  const deviceCodeGrant = async (params: Record<string, string | undefined>, response: ServerResponse): Promise<void> => {
    const { device_code: deviceCode, client_id: clientId } = params;
    if (!deviceCode || !clientId) {
      sendOAuthError(response, 400, 'invalid_request', 'device_code and client_id are required');
      return;
    }
    const polled = deps.store.poll(deviceCode, clientId);
    if (polled.outcome !== 'granted') {
      const { status, description } = refusal(polled.outcome, deps.store.pollIntervalSeconds);
      const why = 'locked' in polled ? LOCKED_DESCRIPTION : description;
      sendOAuthError(response, status, polled.outcome, why, NO_STORE);
      return;
    }
    await sendToken(response, { sub: polled.user, audience: polled.audience, scope: polled.scope }, true);
  };

  const clientCredentialsGrant = async (params: Record<string, string | undefined>, response: ServerResponse): Promise<void> => {
    const sub = params.client_id;
    if (sub === undefined || sub === '' || sub.length > MAX_FIELD_LENGTH) {
      sendOAuthError(response, 400, 'invalid_request', 'client_id (the user id) is required, 1-256 characters');
      return;
    }
    const claims = { sub, audience: nonEmpty(params.audience) ?? deps.defaultAudience, scope: nonEmpty(params.scope) };
    await sendToken(response, claims, false);
  };

  return async (request, response) => {
    const body = await readRequestBody(request);
    if (body === undefined) {
      sendUnreadableBody(response);
      return;
    }
    const { params } = body;
    if (params.grant_type === DEVICE_CODE_GRANT_TYPE) {
      await deviceCodeGrant(params, response);
    } else if (params.grant_type === 'client_credentials') {
      await clientCredentialsGrant(params, response);
    } else if (params.grant_type === 'authorization_code') {
      await deps.userGrants.authorizationCode(params, response);
    } else if (params.grant_type === 'refresh_token') {
      await deps.userGrants.refreshToken(params, response);
    } else {
      sendOAuthError(
        response,
        400,
        'unsupported_grant_type',
        `The development identity provider supports grant_type=client_credentials, grant_type=${DEVICE_CODE_GRANT_TYPE}, ` +
          'grant_type=authorization_code and grant_type=refresh_token',
      );
    }
  };
}
