/**
 * The headers every console response carries. The page runs only its own
 * files: no inline script or style, no eval, nothing from another host but
 * the identity provider, which the page calls (`/oauth/token`) and frames
 * (auth0-spa-js's silent authentication in a hidden iframe, `frame-src`).
 * `connect-src 'self'` is the API: the console is served by it.
 */
export function contentSecurityPolicy(identityProviderOrigin: string | undefined): string {
  const idp = identityProviderOrigin ?? '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src 'self'${idp === '' ? '' : ` ${idp}`}`,
    `frame-src ${idp === '' ? "'none'" : idp}`,
    // auth0-spa-js keeps refresh tokens in a worker, which the console serves (workerUrl) rather than a blob: URL.
    "worker-src 'self'",
    "manifest-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function consoleSecurityHeaders(identityProviderOrigin: string | undefined): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(identityProviderOrigin),
    'x-content-type-options': 'nosniff',
    // The login's `code` and `state` come back in the page's URL: no other site may see it in a Referer.
    'referrer-policy': 'no-referrer',
    // frame-ancestors for browsers that predate it.
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    // Browsers ignore it over plain http (npm start); deployed, API Gateway serves https only.
    'strict-transport-security': 'max-age=31536000; includeSubDomains',
  };
}
