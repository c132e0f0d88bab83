import type { ServerResponse } from 'node:http';
import type { ResponseTarget } from './authorize-request';
import { randomSecret } from './opaque';
import { sendHtml } from './pages';

/**
 * Delivers the answer to an authorization request in its response mode:
 * `query`, a 302 to the redirect URI with `code` (or `error`) and `state`;
 * `web_message`, the page the hidden iframe of auth0-spa-js loads, which
 * posts `{ type: 'authorization_response', response }` to its parent. The
 * message is aimed at the redirect URI's origin only (never `*`), and only
 * the client's web origins may frame the page.
 */

export type AuthorizationResult = { readonly code: string } | { readonly error: string; readonly error_description: string };

export function sendAuthorizationResponse(response: ServerResponse, target: ResponseTarget, result: AuthorizationResult): void {
  const fields: Record<string, string> = { ...result, ...(target.state !== undefined ? { state: target.state } : {}) };
  if (target.responseMode === 'web_message') {
    sendWebMessage(response, target, fields);
    return;
  }
  const location = new URL(target.redirectUri);
  for (const [name, value] of Object.entries(fields)) location.searchParams.append(name, value);
  response.writeHead(302, { location: location.href, 'cache-control': 'no-store', 'content-length': 0 });
  response.end();
}

function sendWebMessage(response: ServerResponse, target: ResponseTarget, fields: Record<string, string>): void {
  // A fresh nonce per answer lets this one script run, and no other (no 'unsafe-inline').
  const nonce = randomSecret(16);
  const targetOrigin = new URL(target.redirectUri).origin;
  const ancestors = target.client.webOrigins.length > 0 ? target.client.webOrigins.join(' ') : "'none'";
  const message = { type: 'authorization_response', response: fields };
  // The iframe's parent, or a popup's opener (loginWithPopup), as the web_message response mode has it.
  const script = `(window.opener || window.parent).postMessage(${scriptJson(message)}, ${scriptJson(targetOrigin)});`;
  sendHtml(
    response,
    200,
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signing in (development)</title></head>' +
      `<body><script nonce="${nonce}">${script}</script></body></html>`,
    {
      'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'; frame-ancestors ${ancestors}`,
      'referrer-policy': 'no-referrer',
    },
  );
}

/**
 * JSON that is safe inside an inline script: `<` (a `</script>` would end
 * it), `>` and `&` as escapes, and U+2028/U+2029, which JSON allows raw but
 * older JavaScript reads as line ends.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
