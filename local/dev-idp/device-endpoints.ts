import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../http-util';
import { isValidUser, MAX_FIELD_LENGTH, type ActivationDecision, type DeviceCodeStore } from './device-codes';
import { NO_STORE, sendOAuthError, sendUnreadableBody } from './oauth-replies';
import { crossSiteRefusal, ownOrigins } from './origin-check';
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
 * to a JSON body or `Accept: application/json`, HTML to the form. Refuses
 * another site's page with 403 (CSRF, see `crossSiteRefusal`), a locked code
 * (5 wrong codes sharing its first four letters, see `device-codes.ts`) with
 * 403, and every attempt with 429 while the wrong-code budget is spent.
 */
export function activateEndpoint(deps: Pick<DeviceEndpointDependencies, 'store' | 'url'>): Endpoint {
  const allowedOrigins = ownOrigins(deps.url);
  return async (request, response) => {
    const body = await readRequestBody(request);
    const wantsJson = body?.json === true || (request.headers.accept ?? '').includes('application/json');
    const fail = (error: string, description: string, status = 400, headers: Record<string, string> = {}): void => {
      if (wantsJson) sendOAuthError(response, status, error, description, headers);
      else sendHtml(response, status, resultPage('Not approved', description, true), headers);
    };
    const crossSite = crossSiteRefusal(request.headers, allowedOrigins);
    if (crossSite !== undefined) {
      fail('invalid_origin', crossSite, 403);
      return;
    }
    if (body === undefined) {
      fail('invalid_request', 'Send a JSON or form-encoded body');
      return;
    }
    const { user_code: userCode, user, action } = body.params;
    if (action !== undefined && action !== 'approve' && action !== 'deny') {
      fail('invalid_request', 'action is approve (the default) or deny');
      return;
    }
    if (action !== 'deny' && !isValidUser(user)) {
      fail('invalid_request', 'user (the user id the token is for) is required, 1-256 characters');
      return;
    }
    if (userCode === undefined) {
      fail('invalid_user_code', UNKNOWN_CODE);
      return;
    }
    const decision: ActivationDecision = action === 'deny' || user === undefined ? { status: 'denied' } : { status: 'approved', user };
    const attempt = deps.store.activate(userCode, decision);
    switch (attempt.outcome) {
      case 'throttled':
        fail('too_many_requests', `Too many wrong user codes: try again in ${attempt.retryAfterSeconds} seconds.`, 429, {
          'retry-after': String(attempt.retryAfterSeconds),
        });
        return;
      case 'locked':
        fail(
          'code_locked',
          'This code was locked after too many wrong codes sharing its first four letters were entered: start the login again for a new code.',
          403,
        );
        return;
      case 'unknown':
        fail('invalid_user_code', UNKNOWN_CODE);
        return;
      case 'decided':
        break;
    }
    const code = shown(userCode);
    if (decision.status === 'denied') {
      if (wantsJson) sendJson(response, 200, { approved: false });
      else sendHtml(response, 200, resultPage('Denied', `The device with code ${code} will not get a token.`));
    } else if (wantsJson) {
      sendJson(response, 200, { approved: true, user: decision.user });
    } else {
      sendHtml(
        response,
        200,
        resultPage('Approved', `The device with code ${code} is now signed in as ${decision.user}. You can close this page.`),
      );
    }
  };
}

const UNKNOWN_CODE = 'Unknown, expired or already used user code';

/** The user code as shown to people, from what was typed (a known code). */
function shown(userCode: string): string {
  return formatUserCode(normaliseUserCode(userCode));
}
