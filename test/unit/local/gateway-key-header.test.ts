import type { Server } from 'node:http';
import { ROUTES } from '../../../lambdas/api-definition';
import { createGateway, type LocalRoute } from '../../../local/gateway';
import { closeServer, listenOnLoopback } from '../../../local/http-util';

/** KEY_HEADER under npm start, as deployed: that header is the identity source, Authorization no longer is. */
describe('the local gateway with KEY_HEADER=x-api-key', () => {
  let server: Server;
  let url: string;
  const authorizer = jest.fn((event: { identitySource: string[] }) =>
    Promise.resolve({ isAuthorized: event.identitySource[0] === 'uak_key', context: {} }),
  );

  beforeAll(async () => {
    const routes: LocalRoute[] = ROUTES.map((route) => ({
      ...route,
      handler: () => Promise.resolve({ statusCode: 200, body: '{}' }),
    }));
    server = createGateway({ routes, authorizer: authorizer as never, authorizerCacheTtlSeconds: 0, keyHeader: 'x-api-key' });
    url = `http://127.0.0.1:${await listenOnLoopback(server, 0)}`;
  });
  afterAll(() => closeServer(server));

  it('answers 401 without calling the authorizer when only Authorization is sent', async () => {
    const response = await fetch(`${url}/whoami`, { headers: { authorization: 'Bearer uak_key' } });
    expect(response.status).toBe(401);
    expect(authorizer).not.toHaveBeenCalled();
  });

  it('takes the key from x-api-key, with the route key, as the identity source', async () => {
    const response = await fetch(`${url}/whoami`, { headers: { 'x-api-key': 'uak_key' } });
    expect(response.status).toBe(200);
    expect(authorizer.mock.calls[0]![0].identitySource).toEqual(['uak_key', 'GET /whoami']);
  });

  it('leaves the public JWKS route open', async () => {
    expect((await fetch(`${url}/.well-known/jwks.json`)).status).toBe(200);
  });
});
