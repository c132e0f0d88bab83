import { MAX_FIELD_LENGTH } from './device-codes';
import { DEV_NOTICE, escapeHtml, PAGE_STYLE } from './pages';

/**
 * The development login page: a stand-in for Auth0's Universal Login that
 * asks for a user id, no password. Its form posts an opaque pending-login
 * id (see pending-logins.ts) to `/login`.
 */

export interface LoginPageContent {
  readonly loginId: string;
  readonly clientId: string;
  /** Where the browser returns: shown, so a developer sees which app asked. */
  readonly returnOrigin: string;
  /** Why the last attempt failed. */
  readonly problem?: string | undefined;
}

export function loginPage(content: LoginPageContent): string {
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in (development)</title>' +
    `<style>${PAGE_STYLE}</style></head><body><h1>Sign in (development)</h1>${DEV_NOTICE}` +
    `<p>Application <code>${escapeHtml(content.clientId)}</code> asks you to sign in; you will return to ` +
    `<code>${escapeHtml(content.returnOrigin)}</code>.</p>` +
    (content.problem !== undefined ? `<p role="alert">${escapeHtml(content.problem)}</p>` : '') +
    '<form method="post" action="/login">' +
    `<input type="hidden" name="login" value="${escapeHtml(content.loginId)}">` +
    '<label for="user">User id</label>' +
    `<input id="user" name="user" required maxlength="${MAX_FIELD_LENGTH}" autocomplete="username" placeholder="alice" autofocus>` +
    '<button type="submit">Sign in</button>' +
    '</form></body></html>'
  );
}

/**
 * The page's CSP: no script, never framed, and forms may go only to this
 * provider and on to the redirect URI's origin, since browsers apply
 * `form-action` to the redirect that follows the post too.
 */
export function loginPageHeaders(returnOrigin: string): Record<string, string> {
  return {
    'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${returnOrigin}; frame-ancestors 'none'`,
  };
}
