import type { ServerResponse } from 'node:http';

/**
 * The development identity provider's HTML pages: the activation form (a
 * stand-in for Auth0's login), the page that answers it, and the headers and
 * pieces the login page (login-page.ts) shares. Every value from a request is
 * escaped; the CSP allows no script at all (the one page with a script, the
 * web-message answer, sets its own: authorization-response.ts).
 */

export const HTML_SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
} as const;

export function sendHtml(response: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    ...HTML_SECURITY_HEADERS,
    ...headers,
  });
  response.end(html);
}

/** Escapes the five characters that matter in HTML text and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export const PAGE_STYLE =
  'body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}' +
  '.dev{background:#fff3cd;border:1px solid #e0c060;padding:.75rem;border-radius:.25rem}' +
  'label{display:block;margin:1rem 0 .25rem}input{font-size:1.1rem;padding:.3rem;width:100%;box-sizing:border-box}' +
  'button{margin:1rem .5rem 0 0;font-size:1rem;padding:.4rem 1rem}';

export const DEV_NOTICE =
  '<p class="dev"><strong>Development identity provider.</strong> This page is a local stand-in for ' +
  "Auth0's login page: there is no password, and whoever can reach it may sign a device in as any user. " +
  'Never expose it beyond this machine.</p>';

/** Longest user code echoed back into the form. */
const MAX_ECHOED_USER_CODE = 64;

/** The form: a user code (filled in from `verification_uri_complete`), a user id, approve or deny. */
export function activatePage(userCode: string): string {
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Device activation (development)</title>' +
    `<style>${PAGE_STYLE}</style></head><body><h1>Device activation (development)</h1>${DEV_NOTICE}` +
    '<form method="post" action="/activate">' +
    '<label for="user_code">Code shown on your device</label>' +
    `<input id="user_code" name="user_code" required autocomplete="off" placeholder="XXXX-XXXX" value="${escapeHtml(userCode.slice(0, MAX_ECHOED_USER_CODE))}">` +
    '<label for="user">Sign in as (user id, becomes the token&#39;s sub)</label>' +
    '<input id="user" name="user" maxlength="256" placeholder="alice" autocomplete="off">' +
    '<button type="submit" name="action" value="approve">Approve</button>' +
    '<button type="submit" name="action" value="deny">Deny</button>' +
    '</form></body></html>'
  );
}

/** The answer to the form; `retry` links back to it. */
export function resultPage(title: string, message: string, retry = false): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} (development)</title>` +
    `<style>${PAGE_STYLE}</style></head><body><h1>${escapeHtml(title)}</h1>${DEV_NOTICE}` +
    `<p>${escapeHtml(message)}</p>${retry ? '<p><a href="/activate">Try again</a></p>' : ''}</body></html>`
  );
}
