import type { ClientRegistry } from './clients';
import { resultPage, sendHtml } from './pages';
import type { Route } from './router';
import type { SessionStore } from './sessions';

/** Longest returnTo echoed into the page. */
const MAX_ECHOED = 200;

/**
 * `GET /v2/logout?client_id=&returnTo=`, as Auth0's: ends the session (here
 * and its cookie), then redirects to `returnTo` only when it is exactly one
 * of the client's logout URLs, or, with no returnTo, to the first of them
 * (Auth0's documented default). Anything else gets a page saying the user is
 * logged out: never a redirect to an unregistered URL (no open redirect).
 */
export function logoutEndpoint(deps: { readonly clients: ClientRegistry; readonly sessions: SessionStore }): Route {
  return (request, response, url) => {
    const cleared = deps.sessions.end(request.headers);
    const client = deps.clients.get(url.searchParams.get('client_id') ?? undefined);
    const returnTo = url.searchParams.get('returnTo') ?? undefined;
    const target = returnTo === undefined ? client?.logoutUrls[0] : client?.logoutUrls.find((allowed) => allowed === returnTo);
    if (target !== undefined) {
      response.writeHead(302, { location: target, 'set-cookie': cleared, 'cache-control': 'no-store', 'content-length': 0 });
      response.end();
      return Promise.resolve();
    }
    const refused =
      returnTo === undefined
        ? ''
        : ` Not sent on to ${returnTo.slice(0, MAX_ECHOED)}: it is not an allowed logout URL of ${client === undefined ? 'a registered client' : `client ${client.clientId}`}.`;
    sendHtml(response, 200, resultPage('Logged out', `You are logged out of the development identity provider.${refused}`), {
      'set-cookie': cleared,
    });
    return Promise.resolve();
  };
}
