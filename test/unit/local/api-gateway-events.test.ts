import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { proxyEvent } from '../../../local/api-gateway-events';

function event(rawQueryString: string, rawHeaders: string[] = []) {
  const request = new IncomingMessage(new Socket());
  request.rawHeaders = rawHeaders;
  return proxyEvent({ request, body: Buffer.alloc(0), method: 'GET', rawPath: '/keys', rawQueryString, routeKey: 'GET /keys' });
}

/** Query parameters and headers reach the handlers as API Gateway parses them: every name, even a JavaScript-special one. */
describe('the local gateway event', () => {
  it('keeps a query parameter named __proto__ (the handler then refuses it as unknown, as deployed)', () => {
    const parameters = event('__proto__=1&limit=5').queryStringParameters ?? {};
    expect(Object.keys(parameters).sort()).toEqual(['__proto__', 'limit']);
    expect(Object.getPrototypeOf(parameters)).toBeNull();
  });

  it('keeps a header named __proto__ too', () => {
    expect(Object.keys(event('', ['__proto__', 'x', 'Host', '127.0.0.1']).headers)).toEqual(['__proto__', 'host']);
  });
});
