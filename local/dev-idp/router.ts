import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../http-util';

/** Handles one route; `url` is the request's, resolved against the provider's base URL. */
export type Route = (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<void>;

/** Routes by `"<METHOD> <path>"`, e.g. `"POST /oauth/token"`. */
export type RouteTable = Readonly<Record<string, Route>>;

/**
 * A request listener over `routes`: 404 for anything else, and a bare 500
 * (no detail, no stack) when a route fails.
 */
export function createRouter(baseUrl: string, routes: RouteTable): (request: IncomingMessage, response: ServerResponse) => void {
  const table = new Map(Object.entries(routes));
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', baseUrl);
    const method = request.method ?? '';
    const route = table.get(`${method} ${url.pathname}`);
    if (route === undefined) {
      sendJson(response, 404, { error: 'not_found', error_description: `No route ${method} ${url.pathname}` });
      return;
    }
    await route(request, response, url);
  };
  return (request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) sendJson(response, 500, { error: 'server_error' });
      else response.destroy();
    });
  };
}
