import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VALID_TOKEN } from './fake-keys-api';

/**
 * Just enough of Auth0 for @auth0/auth0-spa-js in the console page: `/authorize` (a redirect
 * with a code, or for a silent login in a hidden iframe a `web_message` page), `/oauth/token`
 * (code and refresh-token grants, with CORS), `/v2/logout`. The ID token is unsigned:
 * auth0-spa-js checks its claims, not its signature (the API checks the access token).
 */

export const CLIENT_ID = 'console-spa';
export const AUDIENCE = 'https://api.example.com';
export const USER = { sub: 'auth0|alice', name: 'Alice Example' };

export interface AuthorizeRequest {
  readonly prompt: string | null;
  readonly responseMode: string | null;
  readonly audience: string | null;
  readonly scope: string | null;
  readonly redirectUri: string | null;
}

export interface FakeAuth0 {
  readonly origin: string;
  readonly authorizeRequests: AuthorizeRequest[];
  readonly tokenGrants: string[];
  logouts: number;
  close(): Promise<void>;
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export async function startFakeAuth0(): Promise<FakeAuth0> {
  const codes = new Map<string, string | undefined>();
  const state: FakeAuth0 = { origin: '', authorizeRequests: [], tokenGrants: [], logouts: 0, close: () => Promise.resolve() };

  const idToken = (nonce: string | undefined) => {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: `${state.origin}/`,
      aud: CLIENT_ID,
      iat: now,
      exp: now + 3600,
      ...USER,
      ...(nonce !== undefined ? { nonce } : {}),
    };
    return `${base64url({ alg: 'RS256', typ: 'JWT', kid: 'test' })}.${base64url(claims)}.c2lnbmF0dXJl`;
  };

  const cors = (request: IncomingMessage) => ({
    'access-control-allow-origin': request.headers.origin ?? '*',
    'access-control-allow-methods': 'POST',
    'access-control-allow-headers': request.headers['access-control-request-headers'] ?? 'content-type',
    vary: 'origin',
  });

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', state.origin);
    const loggedIn = /(?:^|;\s*)session=alice/.test(request.headers.cookie ?? '');
    if (url.pathname === '/authorize') {
      const redirectUri = url.searchParams.get('redirect_uri') ?? '';
      const authorizeState = url.searchParams.get('state') ?? '';
      state.authorizeRequests.push({
        prompt: url.searchParams.get('prompt'),
        responseMode: url.searchParams.get('response_mode'),
        audience: url.searchParams.get('audience'),
        scope: url.searchParams.get('scope'),
        redirectUri,
      });
      const code = randomBytes(12).toString('hex');
      codes.set(code, url.searchParams.get('nonce') ?? undefined);
      if (url.searchParams.get('response_mode') === 'web_message') {
        // The silent login: a page in a hidden iframe that posts its answer to the console.
        const answer = loggedIn
          ? { code, state: authorizeState }
          : { error: 'login_required', error_description: 'Login required', state: authorizeState };
        const message = JSON.stringify({ type: 'authorization_response', response: answer });
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        response.end(`<!doctype html><script>parent.postMessage(${message}, ${JSON.stringify(new URL(redirectUri).origin)});</script>`);
        return;
      }
      // An interactive login: Alice signs in at once.
      const back = new URL(redirectUri);
      back.searchParams.set('code', code);
      back.searchParams.set('state', authorizeState);
      response.writeHead(302, { location: back.toString(), 'set-cookie': 'session=alice; Path=/; HttpOnly; SameSite=Lax' });
      response.end();
      return;
    }
    if (url.pathname === '/oauth/token') {
      if (request.method === 'OPTIONS') {
        response.writeHead(204, cors(request));
        response.end();
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      const body: Record<string, string> = (request.headers['content-type'] ?? '').includes('json')
        ? (JSON.parse(text) as Record<string, string>)
        : Object.fromEntries(new URLSearchParams(text));
      state.tokenGrants.push(body.grant_type ?? '');
      const known = body.grant_type === 'refresh_token' ? body.refresh_token === 'refresh-1' : codes.has(body.code ?? '');
      if (!known) {
        response.writeHead(403, { 'content-type': 'application/json', ...cors(request) });
        response.end(JSON.stringify({ error: 'invalid_grant', error_description: 'Unknown or expired grant' }));
        return;
      }
      const nonce = body.grant_type === 'refresh_token' ? undefined : codes.get(body.code ?? '');
      codes.delete(body.code ?? '');
      response.writeHead(200, { 'content-type': 'application/json', ...cors(request) });
      response.end(
        JSON.stringify({
          access_token: VALID_TOKEN,
          id_token: idToken(nonce),
          refresh_token: 'refresh-1',
          token_type: 'Bearer',
          expires_in: 3600,
          scope: 'openid profile offline_access',
        }),
      );
      return;
    }
    if (url.pathname === '/v2/logout') {
      state.logouts += 1;
      response.writeHead(302, {
        location: url.searchParams.get('returnTo') ?? '/',
        'set-cookie': 'session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax',
      });
      response.end();
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('not found');
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(state, {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  });
  return state;
}
