/**
 * The console page (`GET /console`): logs the user in with Auth0 (authorization code with
 * PKCE, tokens in memory only: after a reload the session comes back through Auth0's silent
 * authentication) and shows `<user-api-keys>` with their token.
 */
import { Auth0Client, type User } from '@auth0/auth0-spa-js';
import { html, render, type TemplateResult } from 'lit';
import { KeysApiClient } from './api';
import { describeError } from './format';
import type { ConsoleConfig } from './types';
import { defineUserApiKeys } from './user-api-keys';

const CONSOLE_PATH = '/console';
/** A 401 right after a login would loop through Auth0 for ever: at most one automatic login per this long. */
const RELOGIN_PAUSE_MS = 60_000;
const RELOGIN_KEY = 'user-api-keys:relogin-at';

type View =
  | { readonly kind: 'loading' }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'unconfigured' }
  | { readonly kind: 'signed-out'; readonly client: Auth0Client; readonly error: string }
  | { readonly kind: 'signed-in'; readonly client: Auth0Client; readonly user: User | undefined };

function mainElement(): HTMLElement {
  const main = document.querySelector('main');
  if (main === null) throw new Error('The console page has no <main>.');
  return main;
}

const intro = html`<p>
  API keys let your scripts, CI jobs and command-line tools call the API as you. Log in to create, rotate and revoke yours.
</p>`;

function template(view: View): TemplateResult {
  switch (view.kind) {
    case 'loading':
      return html`<h1>API keys</h1>
        <p role="status">Loading…</p>`;
    case 'failed':
      return html`<h1>API keys</h1>
        <div role="alert" class="error">${view.message}</div>
        <p>
          <button
            type="button"
            @click=${() => {
              location.reload();
            }}
          >
            Try again
          </button>
        </p>`;
    case 'unconfigured':
      return html`<h1>API keys</h1>
        <p role="status">
          The console is not configured yet: the operator must set <code>CONSOLE_CLIENT_ID</code> (the Auth0 application it logs in with).
        </p>`;
    case 'signed-out':
      return html`<h1>API keys</h1>
        ${intro}
        <div role="alert" class="error">${view.error}</div>
        <p>
          <button type="button" class="primary" @click=${() => void login(view.client)}>Log in</button>
        </p>`;
    case 'signed-in': {
      const who = view.user?.name ?? view.user?.email ?? view.user?.sub ?? 'you';
      return html`<header class="bar">
          <h1>API keys</h1>
          <p class="who">Logged in as <strong>${who}</strong></p>
          <button
            type="button"
            @click=${() => void view.client.logout({ logoutParams: { returnTo: `${location.origin}${CONSOLE_PATH}` } })}
          >
            Log out
          </button>
        </header>
        <user-api-keys
          .getAccessToken=${() => view.client.getTokenSilently()}
          @user-api-keys-unauthorized=${() => {
            onUnauthorized(view.client);
          }}
        ></user-api-keys>`;
    }
  }
}

function show(view: View): void {
  render(template(view), mainElement());
}

async function login(client: Auth0Client): Promise<void> {
  try {
    await client.loginWithRedirect();
  } catch (error) {
    show({ kind: 'signed-out', client, error: loginFailure(error) });
  }
}

/** The API refused the token (or none could be had): log in again, unless that just happened (then the element says so). */
function onUnauthorized(client: Auth0Client): void {
  const last = Number(sessionStorage.getItem(RELOGIN_KEY) ?? '0');
  if (Date.now() - last < RELOGIN_PAUSE_MS) return;
  sessionStorage.setItem(RELOGIN_KEY, String(Date.now()));
  void login(client);
}

function loginFailure(error: unknown): string {
  const described = error as { error?: unknown; error_description?: unknown; message?: unknown };
  const detail =
    typeof described.error_description === 'string' && described.error_description !== ''
      ? described.error_description
      : typeof described.message === 'string'
        ? described.message
        : String(error);
  return `Logging in failed: ${detail}`;
}

/** The identity provider's error codes a console user may meet, in fixed words; any other is named only if it looks like a code. */
const LOGIN_ERRORS: Readonly<Record<string, string>> = {
  access_denied: 'access was denied at the login page',
  login_required: 'you need to log in',
  consent_required: 'the application needs your consent',
  interaction_required: 'the login page needs you to do something first',
  unauthorized_client: 'this console is not allowed to log in (check its Auth0 application)',
  invalid_request: 'the login request was refused',
  server_error: 'the identity provider failed',
  temporarily_unavailable: 'the identity provider is unavailable for now',
};

function loginErrorFromLink(code: string): string {
  const known = LOGIN_ERRORS[code];
  const why = known ?? (/^[a-z_]{1,40}$/.test(code) ? `the identity provider answered ${code}` : 'the identity provider refused it');
  return `Logging in did not finish: ${why}. Press Log in to try again.`;
}

async function start(): Promise<void> {
  let config: ConsoleConfig;
  try {
    config = await new KeysApiClient('', () => Promise.reject(new Error('no token needed'))).config();
  } catch (error) {
    show({ kind: 'failed', message: `The console could not load its settings. ${describeError(error)}` });
    return;
  }
  if (config.auth0 === null) {
    show({ kind: 'unconfigured' });
    return;
  }
  const client = new Auth0Client({
    domain: config.auth0.domain,
    clientId: config.auth0.clientId,
    authorizationParams: {
      audience: config.auth0.audience,
      redirect_uri: `${location.origin}${CONSOLE_PATH}`,
      scope: 'openid profile offline_access',
    },
    // Tokens in memory only (the refresh token inside the worker); a reload signs in again silently.
    cacheLocation: 'memory',
    useRefreshTokens: true,
    useRefreshTokensFallback: true,
    workerUrl: config.workerPath,
  });

  const params = new URLSearchParams(location.search);
  let error = '';
  if (params.has('error')) {
    // Anyone can send a link to /console?error=...: the page says in its own words that the login did not finish,
    // never what the link's error_description says (it would speak on the API's origin).
    error = loginErrorFromLink(params.get('error') ?? '');
    history.replaceState(null, '', CONSOLE_PATH);
  } else if (params.has('code') && params.has('state')) {
    try {
      await client.handleRedirectCallback();
    } catch (failure) {
      error = loginFailure(failure);
    }
    history.replaceState(null, '', CONSOLE_PATH);
  } else {
    try {
      // A session at Auth0 (after a reload): tokens again, through its hidden iframe.
      await client.checkSession();
    } catch {
      // Not logged in: the Log in button says the rest.
    }
  }

  if (error === '' && (await client.isAuthenticated())) {
    show({ kind: 'signed-in', client, user: await client.getUser() });
  } else {
    show({ kind: 'signed-out', client, error });
  }
}

defineUserApiKeys();
const main = mainElement();
main.replaceChildren();
show({ kind: 'loading' });
start().catch((error: unknown) => {
  show({ kind: 'failed', message: `The console stopped: ${error instanceof Error ? error.message : String(error)}` });
});
