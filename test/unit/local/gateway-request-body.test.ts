import type { Server } from 'node:http';
import { request as httpRequest, Agent } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createGateway, type FunctionResult, type LocalRoute } from '../../../local/gateway';
import { closeServer, listenOnLoopback } from '../../../local/http-util';

/** Request bodies as HTTP frames them: none without Content-Length or Transfer-Encoding, a chunked one read whole. */

let server: Server;
let port: number;
const events: APIGatewayProxyEventV2[] = [];

beforeAll(async () => {
  const echo = (event: APIGatewayProxyEventV2): Promise<FunctionResult> => {
    events.push(event);
    return Promise.resolve({ statusCode: 200, body: JSON.stringify({ body: event.body ?? null }) });
  };
  const routes: LocalRoute[] = [
    { method: 'GET', path: '/health', auth: 'none', function: 'health', handler: echo },
    { method: 'POST', path: '/keys', auth: 'none', function: 'createKey', handler: echo },
  ];
  server = createGateway({ routes, authorizer: () => Promise.resolve({ isAuthorized: false }), authorizerCacheTtlSeconds: 0 });
  port = await listenOnLoopback(server, 0);
});
afterAll(() => closeServer(server));
beforeEach(() => {
  events.length = 0;
});

/** One raw request, on `agent`'s connection when given. */
function send(method: string, path: string, headers: Record<string, string>, chunks: string[] = [], agent?: Agent) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body });
      });
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('local gateway: request bodies', () => {
  it('a GET without a body: the event has none', async () => {
    expect(await send('GET', '/health', {})).toEqual({ status: 200, body: '{"body":null}' });
    expect(events[0]).toMatchObject({ isBase64Encoded: false });
    expect(events[0]).not.toHaveProperty('body');
  });

  it('Content-Length: 0: no body either', async () => {
    expect(await send('POST', '/keys', { 'content-length': '0' })).toEqual({ status: 200, body: '{"body":null}' });
  });

  it('a chunked body (Transfer-Encoding, no Content-Length) is read whole', async () => {
    const answer = await send('POST', '/keys', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, [
      '{"name":',
      '"ci"}',
    ]);
    expect(answer).toEqual({ status: 200, body: JSON.stringify({ body: '{"name":"ci"}' }) });
  });

  it('requests without a body, one after another on one kept-alive connection, are all answered', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 5; i += 1) expect((await send('GET', '/health', {}, [], agent)).status).toBe(200);
      expect((await send('POST', '/keys', { 'content-type': 'text/plain', 'content-length': '2' }, ['hi'], agent)).body).toBe(
        '{"body":"hi"}',
      );
      expect((await send('GET', '/health', {}, [], agent)).status).toBe(200);
    } finally {
      agent.destroy();
    }
    expect(events).toHaveLength(7);
  });
});
