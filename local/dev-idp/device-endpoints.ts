import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../http-util';
import { isValidUser, MAX_FIELD_LENGTH, type DeviceCodeStore } from './device-codes';
import { NO_STORE, sendOAuthError, sendUnreadableBody } from './oauth-replies';
import { activatePage, resultPage, sendHtml } from './pages';
import { nonEmpty, readRequestBody } from './request-body';
import { formatUserCode, normaliseUserCode } from './user-codes';

type Endpoint = (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<void>;

export interface DeviceEndpointDependencies {
  readonly store: DeviceCodeStore;
  /** The provider's base URL, for `verification_uri`. */
  readonly url: string;
  /** The audience of tokens whose device-code request names none. */
  readonly defaultAudience: string;
}

/** `POST /oauth/device/code`: a device code and the user code to approve it with. */
export function deviceCodeEndpoint(deps: DeviceEndpointDependencies): Endpoint {
  return async (request, response) => {
    const body = await readRequestBody(request);
    if (body === undefined) {
      sendUnreadableBody(response);
      return;
    }
    const { client_id: clientId, audience, scope } = body.params;
    if (!clientId || clientId.length > MAX_FIELD_LENGTH) {
      sendOAuthError(response, 400, 'invalid_request', 'client_id is required, 1-256 characters');
      return;
    }
    const issued = deps.store.issue({ clientId, audience: nonEmpty(audience) ?? deps.defaultAudience, scope: nonEmpty(scope) });
    if (issued.outcome === 'full') {
      sendOAuthError(response, 429, 'too_many_requests', 'Too many device codes are pending; approve, deny or let some expire first.');
      return;
    }
    const { code } = issued;
    const verificationUri = `${deps.url}/activate`;
    sendJson(
      response,
      200,
      {
        device_code: code.deviceCode,
        user_code: code.userCode,
        verification_uri: verificationUri,
        verification_uri_complete: `${verificationUri}?user_code=${encodeURIComponent(code.userCode)}`,
        expires_in: code.expiresInSeconds,
        interval: code.intervalSeconds,
      },
      NO_STORE,
    );
  };
}

/** `GET /activate`: the form, with `?user_code=` filled in. */
export const activateForm: Endpoint = (_request, response, url) => {
  sendHtml(response, 200, activatePage(url.searchParams.get('user_code') ?? ''));
  return Promise.resolve();
};

/**
 * `POST /activate`: approves (as `user`) or denies a user code. Answers JSON
 * to a JSON body or `Accept: application/json`, HTML to the form.
 */
export function activateEndpoint(deps: Pick<DeviceEndpointDependencies, 'store'>): Endpoint {
  return async (request, response) => {
    const body = await readRequestBody(request);
    const wantsJson = body?.json === true || (request.headers.accept ?? '').includes('application/json');
    const fail = (error: string, description: string): void => {
      if (wantsJson) sendOAuthError(response, 400, error, description);
      else sendHtml(response, 400, resultPage('Not approved', description, true));
    };
    if (body === undefined) {
      fail('invalid_request', 'Send a JSON or form-encoded body');
      return;
    }
    const { user_code: userCode, user, action } = body.params;
    if (action !== undefined && action !== 'approve' && action !== 'deny') {
      fail('invalid_request', 'action is approve (the default) or deny');
      return;
    }
    const succeed = (json: object, title: string, message: string): void => {
      if (wantsJson) sendJson(response, 200, json);
      else sendHtml(response, 200, resultPage(title, message));
    };
    const unknownCode = (): void => {
      fail('invalid_user_code', 'Unknown, expired or already used user code');
    };
    if (action === 'deny') {
      if (userCode === undefined || !deps.store.deny(userCode)) unknownCode();
      else succeed({ approved: false }, 'Denied', `The device with code ${shown(userCode)} will not get a token.`);
      return;
    }
    if (!isValidUser(user)) {
      fail('invalid_request', 'user (the user id the token is for) is required, 1-256 characters');
      return;
    }
    if (userCode === undefined || !deps.store.approve(userCode, user)) unknownCode();
    else
      succeed(
        { approved: true, user },
        'Approved',
        `The device with code ${shown(userCode)} is now signed in as ${user}. You can close this page.`,
      );
  };
}

/** The user code as shown to people, from what was typed (a known code). */
function shown(userCode: string): string {
  return formatUserCode(normaliseUserCode(userCode));
}
