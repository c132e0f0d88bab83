import type { IncomingHttpHeaders } from 'node:http';

/** Longest Origin echoed back in a refusal. */
const MAX_ECHOED_ORIGIN = 100;

/**
 * The origins whose pages may post to the provider: its own (the activation
 * form's, `http://127.0.0.1:<port>`) and the same port under `localhost`, which
 * browsers resolve to loopback themselves. Never derived from `Host`: a
 * DNS-rebound name (`http://evil.example:3001`) would then pass as our own.
 */
export function ownOrigins(baseUrl: string): readonly string[] {
  const { origin, port } = new URL(baseUrl);
  return [origin, `http://localhost:${port}`];
}

/**
 * Why a state-changing request must be refused as cross-site (CSRF), or
 * undefined when it may proceed. A browser sends `Origin` on every
 * cross-origin POST, form submissions included, and `Sec-Fetch-Site` too
 * when it supports fetch metadata; so a request with neither comes from a
 * program (curl, the CLI, tests). It is allowed: such a program can already
 * reach the loopback port directly, so refusing it would stop no attack.
 * `Origin: null` (sandboxed or opaque pages) is present, and refused.
 */
export function crossSiteRefusal(headers: IncomingHttpHeaders, allowedOrigins: readonly string[]): string | undefined {
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return `Refused: the request came from another site's page (Sec-Fetch-Site: ${site.slice(0, MAX_ECHOED_ORIGIN)}). Use this provider's own page.`;
  }
  const { origin } = headers;
  if (origin !== undefined && !allowedOrigins.includes(origin)) {
    return `Refused: the request came from another origin's page (Origin: ${origin.slice(0, MAX_ECHOED_ORIGIN)}). Use this provider's own page.`;
  }
  return undefined;
}
