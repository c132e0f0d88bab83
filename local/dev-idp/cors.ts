import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClientRegistry } from './clients';
import type { Route } from './router';

/**
 * CORS for `POST /oauth/token`, which a SPA calls from its own origin with
 * an `Auth0-Client` header (so the browser sends a preflight first). Only an
 * origin some registered client lists among its web origins is answered,
 * echoed rather than `*`; any other gets no CORS header, so its page cannot
 * read the reply. Programs (curl, the CLI) send no Origin and need none.
 */

export const CORS_ALLOWED_HEADERS = 'content-type, auth0-client';
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/** The registered web origin the request comes from, if it does. */
function allowedOrigin(request: IncomingMessage, clients: ClientRegistry): string | undefined {
  const { origin } = request.headers;
  return origin !== undefined && clients.isWebOrigin(origin) ? origin : undefined;
}

function setOriginHeaders(request: IncomingMessage, response: ServerResponse, clients: ClientRegistry): boolean {
  // The answer differs by Origin: no cache may hand one origin's answer to another.
  response.setHeader('vary', 'Origin');
  const origin = allowedOrigin(request, clients);
  if (origin !== undefined) response.setHeader('access-control-allow-origin', origin);
  return origin !== undefined;
}

/** `route`, answering a registered web origin's page with CORS headers. */
export function withCors(clients: ClientRegistry, route: Route): Route {
  return (request, response, url) => {
    setOriginHeaders(request, response, clients);
    return route(request, response, url);
  };
}

/** `OPTIONS /oauth/token`: the preflight, granted to registered web origins asking to POST. */
export function corsPreflight(clients: ClientRegistry): Route {
  return (request, response) => {
    const allowed = setOriginHeaders(request, response, clients);
    if (allowed && request.headers['access-control-request-method'] === 'POST') {
      response.setHeader('access-control-allow-methods', 'POST');
      response.setHeader('access-control-allow-headers', CORS_ALLOWED_HEADERS);
      response.setHeader('access-control-max-age', String(PREFLIGHT_MAX_AGE_SECONDS));
    } else {
      response.removeHeader('access-control-allow-origin');
    }
    response.writeHead(204);
    response.end();
    return Promise.resolve();
  };
}
