import { ApiError, isApiError } from '../../../client/errors';
import { KeysClient } from '../../../client/keys-client';
import { recordedSleep, rejection, scriptedFetch } from './scripted-fetch';

const ENDPOINT = 'https://api.example.com';
const NOW = new Date('2026-06-01T12:00:00.000Z');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ID = '0123456789ABCDEFGHIJab';
const created = {
  id: ID,
  key: `uak_${ID}_${'x'.repeat(49)}`,
  name: 'ci',
  scopes: ['read'],
  createdAt: NOW.toISOString(),
  expiresAt: '2026-08-30T12:00:00.000Z',
};
const view = {
  id: ID,
  name: 'ci',
  scopes: ['read'],
  createdAt: created.createdAt,
  expiresAt: created.expiresAt,
  status: 'active',
  enabled: true,
};

function clientFor(server: ReturnType<typeof scriptedFetch>, extra: Partial<ConstructorParameters<typeof KeysClient>[0]> = {}) {
  const { waits, sleep } = recordedSleep();
  const client = new KeysClient({
    endpoint: `${ENDPOINT}/`,
    accessToken: 'the-token',
    fetch: server.fetch,
    sleep,
    now: () => NOW,
    ...extra,
  });
  return { client, waits };
}

describe('KeysClient requests', () => {
  it('sends the token, a user agent and a JSON body, refuses redirects, and encodes path segments', async () => {
    const server = scriptedFetch([{ status: 201, body: created }, { status: 200, body: view }, { status: 204 }]);
    const { client } = clientFor(server, { userAgent: 'mycli/1.0' });
    expect(await client.createKey({ name: 'ci', scopes: ['read'] })).toEqual(created);
    expect(await client.renameKey('a/b', 'new')).toEqual(view);
    await client.revokeKey(ID);
    const [create, rename, revoke] = server.requests;
    expect(create).toMatchObject({
      url: `${ENDPOINT}/keys`,
      init: { method: 'POST', body: '{"name":"ci","scopes":["read"]}', redirect: 'error' },
    });
    expect(create!.init.headers).toMatchObject({
      authorization: 'Bearer the-token',
      'user-agent': 'mycli/1.0',
      'content-type': 'application/json',
    });
    expect(rename).toMatchObject({ url: `${ENDPOINT}/keys/a%2Fb`, init: { method: 'PATCH', body: '{"name":"new"}' } });
    expect(revoke).toMatchObject({ url: `${ENDPOINT}/keys/${ID}`, init: { method: 'DELETE' } });
    expect(revoke!.init.body).toBeUndefined();
  });

  it('asks for the current token on every call when given a function', async () => {
    const tokens = ['first', 'second'];
    const server = scriptedFetch([
      { status: 200, body: view },
      { status: 200, body: view },
    ]);
    const { client } = clientFor(server, { accessToken: () => Promise.resolve(tokens.shift() ?? 'none') });
    await client.getKey(ID);
    await client.disableKey(ID);
    expect(server.requests.map((request) => request.init.headers.authorization)).toEqual(['Bearer first', 'Bearer second']);
    expect(server.requests[1]!.init.body).toBe('{"enabled":false}');
  });

  it('follows every page, with the status filter, until there is no cursor', async () => {
    const server = scriptedFetch([
      { status: 200, body: { keys: [view], nextCursor: 'c 1' } },
      { status: 200, body: { keys: [], nextCursor: 'c2' } },
      { status: 200, body: { keys: [{ ...view, id: 'other' }] } },
    ]);
    const { client } = clientFor(server);
    const keys = await client.listKeys({ status: ['active', 'disabled'] });
    expect(keys.map((key) => key.id)).toEqual([ID, 'other']);
    expect(server.requests.map((request) => request.url)).toEqual([
      `${ENDPOINT}/keys?limit=100&status=active%2Cdisabled`,
      `${ENDPOINT}/keys?limit=100&status=active%2Cdisabled&cursor=c%201`,
      `${ENDPOINT}/keys?limit=100&status=active%2Cdisabled&cursor=c2`,
    ]);
  });

  it('pages events and the admin routes too, with the user id one encoded segment', async () => {
    const event = { type: 'create', actor: 'auth0|alice', at: NOW.toISOString(), sourceIp: '127.0.0.1', userAgent: 'x' };
    const server = scriptedFetch([
      { status: 200, body: { events: [event] } },
      { status: 200, body: { keys: [view], auth0: { blocked: false } } },
      { status: 200, body: { revoked: 3 } },
    ]);
    const { client } = clientFor(server);
    expect(await client.listEvents(ID)).toEqual([event]);
    expect(await client.adminListKeys('auth0|a/b')).toEqual({ keys: [view], auth0: { blocked: false } });
    expect(await client.adminRevokeAllKeys('auth0|a/b')).toEqual({ revoked: 3 });
    expect(server.requests.map((request) => `${request.init.method ?? ''} ${request.url}`)).toEqual([
      `GET ${ENDPOINT}/keys/${ID}/events?limit=100`,
      `GET ${ENDPOINT}/admin/users/auth0%7Ca%2Fb/keys?limit=100`,
      `POST ${ENDPOINT}/admin/users/auth0%7Ca%2Fb/revoke-keys`,
    ]);
  });

  it('refuses an answer that is not the API’s: not JSON, or without the fields it must have', async () => {
    for (const answer of [
      { status: 200, text: '<html>' },
      { status: 200, body: { keys: 'none' } },
      { status: 200, body: [] },
    ]) {
      const error = await rejection(clientFor(scriptedFetch([answer])).client.listKeys());
      expect(error).toMatchObject({ name: 'ApiError', code: 'INVALID_RESPONSE', status: 200 });
    }
    const noKey = await rejection(clientFor(scriptedFetch([{ status: 201, body: { id: ID } }])).client.createKey({ name: 'ci' }));
    expect(noKey).toMatchObject({ code: 'INVALID_RESPONSE' });
  });
});

describe('errors are typed values', () => {
  it('carry the API’s code, status and message', async () => {
    const server = scriptedFetch([{ status: 409, body: { code: 'KEY_REVOKED', message: 'This key is revoked, and revocation is final' } }]);
    const error = await rejection(clientFor(server).client.enableKey(ID));
    expect(error).toBeInstanceOf(ApiError);
    expect(isApiError(error, 'KEY_REVOKED')).toBe(true);
    expect(isApiError(error, 'KEY_EXPIRED')).toBe(false);
    expect(error).toMatchObject({ status: 409, message: 'This key is revoked, and revocation is final', mayHaveSucceeded: false });
  });

  it('name the status when the code is the gateway’s (none) or one this client does not know, keeping the server’s', async () => {
    const gateway = await rejection(clientFor(scriptedFetch([{ status: 403, body: { message: 'Forbidden' } }])).client.getKey(ID));
    expect(gateway).toMatchObject({ code: 'HTTP_403', status: 403, message: 'Forbidden', serverCode: undefined });
    const newer = await rejection(
      clientFor(scriptedFetch([{ status: 400, body: { code: 'SOMETHING_NEW', message: 'x' } }])).client.getKey(ID),
    );
    expect(newer).toMatchObject({ code: 'HTTP_400', serverCode: 'SOMETHING_NEW' });
    const bare = await rejection(clientFor(scriptedFetch([{ status: 500, text: 'oops' }])).client.getKey(ID));
    expect(bare).toMatchObject({ code: 'HTTP_500', message: 'HTTP 500' });
  });

  it('say when to try again on a 429, from seconds or an HTTP date, without retrying', async () => {
    const limited = (retryAfter: string) =>
      scriptedFetch([{ status: 429, body: { code: 'RATE_LIMITED', message: 'Slow down' }, headers: { 'retry-after': retryAfter } }]);
    const seconds = clientFor(limited('12'));
    expect(await rejection(seconds.client.createKey({ name: 'ci' }))).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 12 });
    expect(seconds.waits).toEqual([]);
    const dated = clientFor(limited('Mon, 01 Jun 2026 12:01:30 GMT'));
    expect(await rejection(dated.client.rotateKey(ID))).toMatchObject({ retryAfterSeconds: 90 });
  });

  it('never carry the token', async () => {
    const server = scriptedFetch([new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })]);
    const error = (await rejection(clientFor(server).client.listKeys())) as ApiError;
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', status: undefined, message: `Cannot reach ${ENDPOINT}: ECONNREFUSED` });
    expect(`${JSON.stringify(error)} ${error.message} ${error.stack ?? ''}`).not.toContain('the-token');
  });
});

describe('creates and rotates are retried with one Idempotency-Key', () => {
  it('a fresh UUID per call unless given one; none on other calls', async () => {
    const server = scriptedFetch([
      { status: 201, body: created },
      { status: 201, body: created },
      { status: 201, body: { ...created, rotatedFrom: 'OLD', replaced: { id: 'OLD', expiresAt: NOW.toISOString() } } },
      { status: 200, body: { keys: [] } },
    ]);
    const { client } = clientFor(server);
    await client.createKey({ name: 'ci' });
    await client.createKey({ name: 'ci' }, { idempotencyKey: 'mine' });
    await client.rotateKey('OLD', { gracePeriodSeconds: 0 });
    await client.listKeys();
    const keys = server.requests.map((request) => request.init.headers['idempotency-key']);
    expect(keys).toEqual([expect.stringMatching(UUID), 'mine', expect.stringMatching(UUID), undefined]);
    expect(keys[0]).not.toBe(keys[2]);
    expect(server.requests[2]!.init.body).toBe('{"gracePeriodSeconds":0}');
  });

  it.each([
    [
      'a 503 with Retry-After: 2',
      { status: 503, body: { code: 'STORE_UNAVAILABLE', message: 'x' }, headers: { 'retry-after': '2' } },
      2000,
    ],
    ['a 502', { status: 502, body: { message: 'Bad Gateway' } }, 500],
    ['a network failure', new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } }), 500],
  ])('after %s, with the same key and body; the replay is reported', async (_name, failure, wait) => {
    const server = scriptedFetch([failure, { status: 201, body: created, headers: { 'idempotent-replayed': 'true' } }]);
    const replays: string[] = [];
    const { client, waits } = clientFor(server, { onReplay: () => replays.push('replayed') });
    expect(await client.createKey({ name: 'ci' })).toEqual(created);
    expect(waits).toEqual([wait]);
    const [first, second] = server.requests;
    expect(second!.init.headers['idempotency-key']).toBe(first!.init.headers['idempotency-key']);
    expect(second!.init.body).toBe(first!.init.body);
    expect(replays).toEqual(['replayed']);
  });

  it('at most twice (0.5 s, then 1.5 s); then the last failure, which may have made the key', async () => {
    const lost = new TypeError('fetch failed', { cause: { code: 'UND_ERR_SOCKET' } });
    const server = scriptedFetch([lost, lost, lost, { status: 201, body: created }]);
    const { client, waits } = clientFor(server);
    const error = await rejection(client.createKey({ name: 'ci' }));
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', mayHaveSucceeded: true });
    expect(server.requests).toHaveLength(3);
    expect(waits).toEqual([500, 1500]);
  });

  it('not after a long Retry-After (it is reported), a refusal, or a refused redirect', async () => {
    const cases = [
      {
        answer: { status: 503, body: { message: 'later' }, headers: { 'retry-after': '60' } },
        expected: { code: 'HTTP_503', retryAfterSeconds: 60 },
      },
      { answer: { status: 400, body: { code: 'INVALID_REQUEST', message: 'bad name' } }, expected: { code: 'INVALID_REQUEST' } },
      {
        answer: new TypeError('fetch failed', { cause: new Error('unexpected redirect') }),
        expected: { code: 'REDIRECT_REFUSED', message: expect.stringContaining('unexpected redirect') },
      },
    ];
    for (const { answer, expected } of cases) {
      const server = scriptedFetch([answer, { status: 201, body: created }]);
      const { client, waits } = clientFor(server);
      expect(await rejection(client.createKey({ name: 'ci' }))).toMatchObject(expected);
      expect(server.requests).toHaveLength(1);
      expect(waits).toEqual([]);
    }
  });

  it('other calls fail at the first lost answer, a read never saying it may have changed something', async () => {
    const lostOnce = () => scriptedFetch([new TypeError('fetch failed'), { status: 200, body: view }]);
    const read = lostOnce();
    expect(await rejection(clientFor(read).client.getKey(ID))).toMatchObject({ code: 'NETWORK_ERROR', mayHaveSucceeded: false });
    const change = lostOnce();
    expect(await rejection(clientFor(change).client.revokeKey(ID))).toMatchObject({ code: 'NETWORK_ERROR', mayHaveSucceeded: true });
    expect([read.requests.length, change.requests.length]).toEqual([1, 1]);
  });
});

describe('KeysClient with a token that cannot be sent', () => {
  const leaks = (error: unknown, secret: string) => {
    const { message, stack, cause } = error as Error;
    return [message, stack ?? '', JSON.stringify(error), JSON.stringify(cause ?? null), (cause as Error | undefined)?.message ?? ''].some(
      (text) => text.includes(secret),
    );
  };

  it.each([
    ['a line break', 'secret-A\nsecret-B'],
    ['a carriage return', 'secret-A\rsecret-B'],
    ['a NUL', 'secret-A\0secret-B'],
    ['a space', 'secret-A secret-B'],
    ['a non-Latin-1 character', 'secret-A€secret-B'],
    ['a Latin-1 but non-ASCII character', 'secret-Aésecret-B'],
  ])('refuses one with %s before any request, without the token in the error', async (_, token) => {
    const server = scriptedFetch([{ status: 200, body: { keys: [] } }]);
    const error = await rejection(clientFor(server, { accessToken: token }).client.listKeys());
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'INVALID_CREDENTIAL', status: undefined, mayHaveSucceeded: false });
    expect((error as Error).message).toMatch(/access token/);
    expect(leaks(error, 'secret-A')).toBe(false);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a token function that gives an empty token', async () => {
    const server = scriptedFetch([]);
    const error = await rejection(clientFor(server, { accessToken: () => '' }).client.createKey({ name: 'ci' }));
    expect(error).toMatchObject({ code: 'INVALID_CREDENTIAL' });
    expect(server.requests).toHaveLength(0);
  });

  it("never puts fetch's own refusal (which quotes the header) in the message, and does not retry it", async () => {
    const quoting = new TypeError('Headers.append: "Bearer the-token" is an invalid header value.');
    const server = scriptedFetch([quoting, quoting, quoting]);
    const { client, waits } = clientFor(server);
    const error = await rejection(client.createKey({ name: 'ci' }));
    expect(error).toMatchObject({ code: 'MALFORMED_REQUEST', mayHaveSucceeded: false });
    expect(leaks(error, 'the-token')).toBe(false);
    expect(server.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('refuses a user agent that cannot be sent, naming the header, not its value', async () => {
    const server = scriptedFetch([]);
    const error = await rejection(clientFor(server, { userAgent: 'tool\r\nx-injected: the-value' }).client.listKeys());
    expect(error).toMatchObject({ code: 'MALFORMED_REQUEST' });
    expect((error as Error).message).toContain('user-agent');
    expect(leaks(error, 'the-value')).toBe(false);
    expect(server.requests).toHaveLength(0);
  });

  it('with the real fetch, leaks nothing either', async () => {
    const client = new KeysClient({ endpoint: 'http://127.0.0.1:9', accessToken: 'secret-A\nsecret-B', sleep: () => Promise.resolve() });
    const error = await rejection(client.listKeys());
    expect(error).toMatchObject({ code: 'INVALID_CREDENTIAL' });
    expect(leaks(error, 'secret-A')).toBe(false);
  });
});

describe('adminListKeys', () => {
  it('returns every page’s keys with what Auth0 reported about the user (the first page’s)', async () => {
    const server = scriptedFetch([
      { status: 200, body: { keys: [view], nextCursor: 'c1', auth0: { blocked: true, deletedAt: '2026-05-30T00:00:00.000Z' } } },
      { status: 200, body: { keys: [{ ...view, id: 'K2' }], auth0: { blocked: true, deletedAt: '2026-05-30T00:00:00.000Z' } } },
    ]);
    const { client } = clientFor(server);
    expect(await client.adminListKeys('auth0|bob', { status: ['active'] })).toEqual({
      keys: [view, { ...view, id: 'K2' }],
      auth0: { blocked: true, deletedAt: '2026-05-30T00:00:00.000Z' },
    });
  });

  it('leaves auth0 out for an older server that does not send it, and refuses one of another shape', async () => {
    const { client: older } = clientFor(scriptedFetch([{ status: 200, body: { keys: [view] } }]));
    expect(await older.adminListKeys('auth0|bob')).toEqual({ keys: [view] });
    const { client: odd } = clientFor(scriptedFetch([{ status: 200, body: { keys: [view], auth0: { blocked: 'yes' } } }]));
    expect(await rejection(odd.adminListKeys('auth0|bob'))).toMatchObject({ code: 'INVALID_RESPONSE', status: 200 });
  });
});
