import { checkedBaseUrl, checkedUrl, isLoopback } from '../../../client/base-url';
import { deviceLogin } from '../../../client/device-login';
import { ApiError } from '../../../client/errors';
import { exchangeKey } from '../../../client/exchange-key';
import { send, type Transport } from '../../../client/http';
import { KeysClient } from '../../../client/keys-client';
import { rejection, scriptedFetch } from './scripted-fetch';

const ID = '0123456789ABCDEFGHIJab';
const KEY = `uak_${ID}_${'s'.repeat(49)}`;
const TOKEN = 'the-access-token';

/** The ApiError `f` throws. */
function thrown(f: () => unknown): ApiError {
  try {
    f();
  } catch (error) {
    return error as ApiError;
  }
  throw new Error('expected a throw');
}

/** Every secret a URL or a call could hold: none may reach the message. */
const SECRETS = ['hunter2', 'secret-path', 'secret-query', TOKEN, KEY];
const leaks = (error: unknown) => SECRETS.filter((secret) => (error as Error).message.includes(secret));

/**
 * Refused, each for its reason: [the URL, what the message says]. The message names the scheme and host
 * (with the port) only, and says to use https.
 */
const REFUSED: [string, RegExp][] = [
  ['http://api.example.com', /must use https: http:\/\/api\.example\.com is plain http, which would carry .* in cleartext/],
  ['http://api.example.com:8080/secret-path?q=secret-query', /must use https: http:\/\/api\.example\.com:8080 is plain http/],
  ['HTTP://API.EXAMPLE.COM', /must use https: http:\/\/api\.example\.com is plain http/],
  ['http://127.0.0.1.example.com', /must use https: http:\/\/127\.0\.0\.1\.example\.com is plain http/],
  ['http://localhost.example.com', /must use https/],
  ['http://localhost@evil.example', /must use https: http:\/\/evil\.example is plain http/],
  ['http://10.0.0.1:3000', /must use https/],
  ['http://0.0.0.0:3000', /must use https/],
  ['http://[::2]', /must use https/],
  ['http://[::ffff:127.0.0.1]', /must use https/],
  ['https://me:hunter2@api.example.com', /must not hold a user name or password \("user:password@" before api\.example\.com\)/],
  ['https://me@api.example.com', /must not hold a user name or password/],
  ['http://me:hunter2@127.0.0.1:3000', /must not hold a user name or password/],
  ['ftp://api.example.com', /must be an http\(s\) URL .*, not ftp:/],
  ['file:///etc/passwd', /must be an http\(s\) URL .*, not file:/],
  ['data:application/json,{}', /must be an http\(s\) URL .*, not data:/],
  ['api.example.com', /is not a URL: give it as https:\/\/host/],
];

/** Taken, the local development flow's among them (`npm start`: http://127.0.0.1:3000 and :3001). */
const ACCEPTED = [
  'https://api.example.com',
  'https://api.example.com:8443/stage/',
  'http://127.0.0.1:3000',
  'http://127.0.0.1:3001/',
  'http://127.8.9.10',
  'http://0x7f.1:3000', // the parser writes it 127.0.0.1
  'http://localhost:8080/prod',
  'http://LOCALHOST',
  'http://[::1]:3000',
  'http://[0:0:0:0:0:0:0:1]',
];

describe('isLoopback: where plain http stays on this machine', () => {
  it.each(ACCEPTED.filter((url) => url.startsWith('http:')))('counts %s as this machine', (url) => {
    expect(isLoopback(new URL(url))).toBe(true);
  });

  it.each([
    'http://api.example.com',
    'http://127.0.0.1.example.com',
    'http://localhost.example.com',
    'http://api.localhost', // Node.js asks the resolver for it
    'http://notlocalhost',
    'http://10.0.0.1',
    'http://128.0.0.1',
    'http://0.0.0.0',
    'http://[::2]',
    'http://[::ffff:127.0.0.1]',
  ])('does not count %s as this machine', (url) => {
    expect(isLoopback(new URL(url))).toBe(false);
  });
});

describe('checkedUrl / checkedBaseUrl', () => {
  it.each(ACCEPTED)('takes %s', (url) => {
    expect(checkedUrl(url, 'endpoint').href).toBe(new URL(url).href);
  });

  it('gives the base URL as given, without trailing slashes', () => {
    expect(checkedBaseUrl('https://api.example.com/v1//', 'endpoint')).toBe('https://api.example.com/v1');
    expect(checkedBaseUrl('http://127.0.0.1:3000/', 'endpoint')).toBe('http://127.0.0.1:3000');
  });

  it.each(REFUSED)('refuses %s (INSECURE_ENDPOINT), naming what it is and never a secret', (url, message) => {
    const error = thrown(() => checkedUrl(url, 'endpoint', 'the access token'));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'INSECURE_ENDPOINT', status: undefined, mayHaveSucceeded: false });
    expect(error.message).toMatch(/^The endpoint /);
    expect(error.message).toMatch(message);
    expect(leaks(error)).toEqual([]);
  });

  it('says what plain http would expose, and where it is allowed', () => {
    expect(thrown(() => checkedUrl('http://api.example.com', 'endpoint', 'the access token')).message).toBe(
      'The endpoint must use https: http://api.example.com is plain http, which would carry the access token in cleartext' +
        ' (plain http only to this machine: localhost, 127.0.0.0/8 or [::1])',
    );
  });
});

describe('the client refuses an insecure URL before any request', () => {
  it.each(REFUSED)('new KeysClient({ endpoint: %s }) throws INSECURE_ENDPOINT', (endpoint, message) => {
    const server = scriptedFetch([{ status: 200, body: { keys: [] } }]);
    const error = thrown(() => new KeysClient({ endpoint, accessToken: TOKEN, fetch: server.fetch }));
    expect(error).toBeInstanceOf(ApiError);
    expect(error.code).toBe('INSECURE_ENDPOINT');
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/^The endpoint /);
    expect(leaks(error)).toEqual([]);
    expect(server.requests).toEqual([]);
  });

  it('never asks a token function for a token it would not send', () => {
    const accessToken = jest.fn(() => TOKEN);
    expect(thrown(() => new KeysClient({ endpoint: 'http://api.example.com', accessToken })).code).toBe('INSECURE_ENDPOINT');
    expect(accessToken).not.toHaveBeenCalled();
  });

  it.each(REFUSED)(
    'deviceLogin({ authUrl: %s }) rejects with INSECURE_ENDPOINT before asking for a device code',
    async (authUrl, message) => {
      const server = scriptedFetch([]);
      const onPrompt = jest.fn();
      const error = await rejection(deviceLogin({ authUrl, clientId: 'cli', audience: 'aud', fetch: server.fetch, onPrompt }));
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ code: 'INSECURE_ENDPOINT', message: expect.stringMatching(message) });
      expect((error as Error).message).toMatch(/^The identity provider /);
      expect(leaks(error)).toEqual([]);
      expect(server.requests).toEqual([]);
      expect(onPrompt).not.toHaveBeenCalled();
    },
  );

  it.each(REFUSED)('exchangeKey({ endpoint: %s }) rejects with INSECURE_ENDPOINT, never sending the key', async (endpoint, message) => {
    const server = scriptedFetch([]);
    const error = await rejection(exchangeKey({ endpoint, key: KEY, fetch: server.fetch }));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'INSECURE_ENDPOINT', message: expect.stringMatching(message) });
    expect(leaks(error)).toEqual([]);
    expect(server.requests).toEqual([]);
  });

  it('checks, in the end, the very URL fetch would be given', async () => {
    const server = scriptedFetch([{ status: 200, body: {} }]);
    const transport: Transport = { fetch: server.fetch, sleep: () => Promise.resolve(), now: () => new Date(), timeoutMs: 1000 };
    const request = { method: 'GET', headers: { authorization: `Bearer ${TOKEN}` }, retry: false, target: 'the API' };
    const error = await rejection(send(transport, { ...request, url: 'http://api.example.com/keys?cursor=secret-query' }));
    expect(error).toMatchObject({ code: 'INSECURE_ENDPOINT', message: expect.stringMatching(/^The request URL must use https/) });
    expect(leaks(error)).toEqual([]);
    expect(server.requests).toEqual([]);
  });
});

describe('the local development flow still works (npm start: the gateway on :3000, the identity provider on :3001)', () => {
  it('KeysClient calls http://127.0.0.1:3000 with the token', async () => {
    const server = scriptedFetch([{ status: 200, body: { keys: [] } }]);
    expect(await new KeysClient({ endpoint: 'http://127.0.0.1:3000/', accessToken: TOKEN, fetch: server.fetch }).listKeys()).toEqual([]);
    expect(server.requests.map((request) => request.url)).toEqual(['http://127.0.0.1:3000/keys?limit=100']);
    expect(server.requests[0]!.init.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('deviceLogin logs in at http://127.0.0.1:3001', async () => {
    const server = scriptedFetch([
      {
        status: 200,
        body: { device_code: 'dev', user_code: 'ABCD-EFGH', verification_uri: 'http://127.0.0.1:3001/activate', interval: 1 },
      },
      { status: 200, body: { access_token: TOKEN, expires_in: 3600 } },
    ]);
    const result = await deviceLogin({
      authUrl: 'http://127.0.0.1:3001',
      clientId: 'apikey-cli',
      audience: 'https://user-api-keys.local',
      fetch: server.fetch,
      sleep: () => Promise.resolve(),
      onPrompt: () => undefined,
    });
    expect(result).toEqual({ accessToken: TOKEN, expiresInSeconds: 3600 });
    expect(server.requests.map((request) => request.url)).toEqual([
      'http://127.0.0.1:3001/oauth/device/code',
      'http://127.0.0.1:3001/oauth/token',
    ]);
  });

  it('exchangeKey exchanges at http://localhost:3000', async () => {
    const server = scriptedFetch([{ status: 200, body: { access_token: 'at', token_type: 'Bearer', expires_in: 60 } }]);
    await exchangeKey({ endpoint: 'http://localhost:3000', key: KEY, fetch: server.fetch });
    expect(server.requests.map((request) => request.url)).toEqual(['http://localhost:3000/oauth/token']);
  });
});
