import { exchangeKey } from '../../../client/exchange-key';
import { parseTokenRequest } from '../../../lambdas/domain/token-request';
import { rejection, scriptedFetch } from './scripted-fetch';

const ID = '0123456789ABCDEFGHIJab';
const KEY = `uak_${ID}_${'s'.repeat(49)}`;
const grant = { access_token: 'uak_at_kid.claims.mac', token_type: 'Bearer', expires_in: 3600, scope: 'read' };

/** What the server's own parser reads from the request the client sent. */
function serverReading(request: { init: RequestInit & { headers: Record<string, string> } }) {
  return parseTokenRequest({
    authorization: request.init.headers.authorization,
    contentType: request.init.headers['content-type'],
    body: request.init.body as string,
  });
}

describe('exchangeKey (client credentials)', () => {
  it('sends the key as client id and secret, read by the server’s own parser as sent', async () => {
    const server = scriptedFetch([{ status: 200, body: grant }]);
    expect(await exchangeKey({ endpoint: 'https://api.example.com/', key: KEY, scopes: ['read'], fetch: server.fetch })).toEqual(grant);
    expect(server.requests[0]).toMatchObject({ url: 'https://api.example.com/oauth/token', init: { method: 'POST', redirect: 'error' } });
    expect(serverReading(server.requests[0]!)).toEqual({ clientId: ID, clientSecret: KEY, scopes: ['read'] });
  });

  it('sends a Stormpath pair, whose secret holds + and /, with its own id', async () => {
    const secret = 'a+b/c=d%e';
    const server = scriptedFetch([{ status: 200, body: grant }]);
    await exchangeKey({ endpoint: 'https://api.example.com', keyId: 'STORMPATHID', key: secret, fetch: server.fetch });
    expect(serverReading(server.requests[0]!)).toEqual({ clientId: 'STORMPATHID', clientSecret: secret });
  });

  it('refuses OAuth’s way, with its code, and never echoes the key', async () => {
    const server = scriptedFetch([
      { status: 401, body: { error: 'invalid_client', error_description: 'The client id and secret do not match an active key' } },
    ]);
    const error = await rejection(exchangeKey({ endpoint: 'https://api.example.com', key: KEY, fetch: server.fetch }));
    expect(error).toMatchObject({
      name: 'ApiError',
      code: 'invalid_client',
      status: 401,
      message: expect.stringContaining('do not match'),
    });
    const notAKey = await rejection(exchangeKey({ endpoint: 'https://api.example.com', key: 'not-a-key-secret', fetch: server.fetch }));
    expect(notAKey).toMatchObject({ code: 'invalid_client' });
    expect((notAKey as Error).message).not.toContain('not-a-key-secret');
  });
});
