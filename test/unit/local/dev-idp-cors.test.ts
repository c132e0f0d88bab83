import { CLIENT, CONSOLE_ORIGIN, startProvider, stopProviders, tokenRequest } from './dev-idp-browser';

/**
 * CORS on POST /oauth/token: auth0-spa-js calls it from the console's origin
 * with an Auth0-Client header, so the browser first sends a preflight. Only
 * registered web origins get CORS headers; programs send no Origin at all.
 */

afterAll(stopProviders);

async function preflight(url: string, origin: string, method = 'POST') {
  return fetch(`${url}/oauth/token`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'auth0-client,content-type' },
  });
}

describe('CORS on /oauth/token', () => {
  it('grants the preflight of a registered web origin: POST with Content-Type and Auth0-Client', async () => {
    const { provider } = await startProvider();
    const reply = await preflight(provider.url, CONSOLE_ORIGIN);
    expect(reply.status).toBe(204);
    expect(reply.headers.get('access-control-allow-origin')).toBe(CONSOLE_ORIGIN);
    expect(reply.headers.get('access-control-allow-methods')).toBe('POST');
    expect(reply.headers.get('access-control-allow-headers')).toBe('content-type, auth0-client');
    expect(reply.headers.get('vary')).toBe('Origin');
    expect(reply.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it.each([
    ['another site', 'http://evil.example'],
    ['another port of this machine', 'http://127.0.0.1:3001'],
    ['the same host under another name', 'http://localhost:3000'],
    ['an opaque origin', 'null'],
  ])('gives no CORS header to the preflight of %s', async (_name, origin) => {
    const { provider } = await startProvider();
    const reply = await preflight(provider.url, origin);
    expect(reply.headers.get('access-control-allow-origin')).toBeNull();
    expect(reply.headers.get('access-control-allow-methods')).toBeNull();
    expect(reply.headers.get('access-control-allow-headers')).toBeNull();
  });

  it('grants no method but POST', async () => {
    const { provider } = await startProvider();
    const reply = await preflight(provider.url, CONSOLE_ORIGIN, 'DELETE');
    expect(reply.headers.get('access-control-allow-origin')).toBeNull();
    expect(reply.headers.get('access-control-allow-methods')).toBeNull();
  });

  it('echoes a registered web origin on the token reply, refusals included', async () => {
    const { provider } = await startProvider();
    const reply = await tokenRequest(
      provider,
      { grant_type: 'refresh_token', client_id: CLIENT.clientId, refresh_token: 'x' },
      { origin: CONSOLE_ORIGIN },
    );
    expect(reply.status).toBe(403);
    expect(reply.headers.get('access-control-allow-origin')).toBe(CONSOLE_ORIGIN);
    expect(reply.headers.get('vary')).toBe('Origin');
  });

  it('follows registrations made after start', async () => {
    const { provider } = await startProvider({ clients: [] });
    expect((await preflight(provider.url, CONSOLE_ORIGIN)).headers.get('access-control-allow-origin')).toBeNull();
    provider.registerClient(CLIENT);
    expect((await preflight(provider.url, CONSOLE_ORIGIN)).headers.get('access-control-allow-origin')).toBe(CONSOLE_ORIGIN);
  });

  it('gives no CORS header to another origin, and still answers programs without Origin', async () => {
    const { provider } = await startProvider();
    const foreign = await tokenRequest(
      provider,
      { grant_type: 'client_credentials', client_id: 'alice' },
      { origin: 'http://evil.example' },
    );
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const program = await tokenRequest(provider, { grant_type: 'client_credentials', client_id: 'alice' });
    expect(program.status).toBe(200);
    expect(program.headers.get('access-control-allow-origin')).toBeNull();
  });
});
