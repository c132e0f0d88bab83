import type { ServerResponse } from 'node:http';
import type { AuthorizationCodeStore } from './authorization-codes';
import { sendAuthorizationResponse } from './authorization-response';
import { readAuthorizeRequest, type AuthorizationRequest } from './authorize-request';
import type { ClientRegistry } from './clients';
import { isValidUser } from './device-codes';
import { loginPage, loginPageHeaders } from './login-page';
import { crossSiteRefusal, ownOrigins } from './origin-check';
import { resultPage, sendHtml } from './pages';
import type { PendingLogins } from './pending-logins';
import { readRequestBody } from './request-body';
import type { Route } from './router';
import type { Session, SessionStore } from './sessions';

export interface AuthorizeDependencies {
  readonly clients: ClientRegistry;
  readonly sessions: SessionStore;
  readonly logins: PendingLogins;
  readonly codes: AuthorizationCodeStore;
  /** The provider's base URL: its own origins may post the login form. */
  readonly url: string;
  /** The audience of tokens whose authorization request names none. */
  readonly defaultAudience: string;
}

/**
 * `GET /authorize` and the login form's `POST /login`: the Authorization Code
 * grant with PKCE as Auth0 serves it to a SPA. With a session (and no
 * `prompt=login`) a code is issued at once; with `prompt=none` and no session
 * the answer is `login_required`; otherwise the development login page.
 */
export function authorizeEndpoints(deps: AuthorizeDependencies): { authorize: Route; login: Route } {
  const allowedOrigins = ownOrigins(deps.url);

  const answerWithCode = (response: ServerResponse, request: AuthorizationRequest, session: Session): void => {
    const code = deps.codes.issue({
      grant: {
        clientId: request.client.clientId,
        user: session.user,
        authTime: session.authTime,
        audience: request.audience,
        scope: request.scope,
      },
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      nonce: request.nonce,
    });
    sendAuthorizationResponse(response, request, { code });
  };

  const showLoginPage = (response: ServerResponse, loginId: string, request: AuthorizationRequest, problem?: string): void => {
    const returnOrigin = new URL(request.redirectUri).origin;
    sendHtml(
      response,
      problem === undefined ? 200 : 400,
      loginPage({ loginId, clientId: request.client.clientId, returnOrigin, problem }),
      loginPageHeaders(returnOrigin),
    );
  };

  const authorize: Route = (request, response, url) => {
    const reading = readAuthorizeRequest(url.searchParams, deps.clients, deps.defaultAudience);
    if (reading.kind === 'refused') {
      // Never a redirect: the redirect URI is not (yet) known to be the client's.
      sendHtml(response, 400, resultPage('Sign-in refused', reading.message));
    } else if (reading.kind === 'error') {
      sendAuthorizationResponse(response, reading.target, { error: reading.error, error_description: reading.description });
    } else {
      const authorization = reading.request;
      const session = deps.sessions.find(request.headers);
      if (session !== undefined && authorization.prompt !== 'login') {
        answerWithCode(response, authorization, session);
      } else if (authorization.prompt === 'none') {
        sendAuthorizationResponse(response, authorization, { error: 'login_required', error_description: 'Login required' });
      } else {
        showLoginPage(response, deps.logins.start(authorization), authorization);
      }
    }
    return Promise.resolve();
  };

  const login: Route = async (request, response) => {
    const crossSite = crossSiteRefusal(request.headers, allowedOrigins);
    if (crossSite !== undefined) {
      sendHtml(response, 403, resultPage('Sign-in refused', crossSite));
      return;
    }
    const body = await readRequestBody(request);
    const loginId = body?.params.login;
    const pending = deps.logins.find(loginId);
    if (loginId === undefined || pending === undefined) {
      sendHtml(
        response,
        400,
        resultPage('Sign-in refused', 'This sign-in is unknown or has expired: start it again from the application.'),
      );
      return;
    }
    const user = body?.params.user;
    if (!isValidUser(user)) {
      showLoginPage(response, loginId, pending, 'Enter a user id of 1-256 characters.');
      return;
    }
    deps.logins.finish(loginId);
    deps.sessions.end(request.headers);
    const { session, cookie } = deps.sessions.create(user);
    response.setHeader('set-cookie', cookie);
    answerWithCode(response, pending, session);
  };

  return { authorize, login };
}
