import { createServer, type Server } from 'node:http';
import { closeServer, listenOnLoopback, sendJson } from '../../../local/http-util';
import { createRouter, type RouteTable } from '../../../local/dev-idp/router';

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => closeServer(server)));
});

async function serve(routes: RouteTable): Promise<string> {
  const server = createServer();
  servers.push(server);
  const url = `http://127.0.0.1:${await listenOnLoopback(server, 0)}`;
  server.on('request', createRouter(url, routes));
  return url;
}

describe('createRouter', () => {
  it('routes by method and path, handing the route the parsed URL', async () => {
    const url = await serve({
      'GET /echo': (_request, response, requestUrl) => {
        sendJson(response, 200, { q: requestUrl.searchParams.get('q') });
        return Promise.resolve();
      },
    });
    const reply = await fetch(`${url}/echo?q=a%20b`);
    expect(reply.status).toBe(200);
    expect(await reply.json()).toEqual({ q: 'a b' });
  });

  it('answers 404 to another method or path', async () => {
    const url = await serve({ 'GET /echo': () => Promise.resolve() });
    const wrongMethod = await fetch(`${url}/echo`, { method: 'POST' });
    expect(wrongMethod.status).toBe(404);
    expect(await wrongMethod.json()).toEqual({ error: 'not_found', error_description: 'No route POST /echo' });
    expect((await fetch(`${url}/echo/`)).status).toBe(404);
  });

  it('answers a bare 500 when a route fails, without its message', async () => {
    const url = await serve({ 'GET /boom': () => Promise.reject(new Error('secret detail')) });
    const reply = await fetch(`${url}/boom`);
    expect(reply.status).toBe(500);
    const text = await reply.text();
    expect(JSON.parse(text)).toEqual({ error: 'server_error' });
    expect(text).not.toContain('secret');
  });
});
