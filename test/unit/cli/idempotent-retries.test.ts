import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { retryAfterSeconds } from '../../../cli/api-client';
import { fakeToken, freshConfigDir, run, scriptedFetch } from './cli-support';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const KEY = 'uak_0123456789ABCDEFGHIJab_' + 'x'.repeat(49);
const OLD_ID = 'OLDOLDOLDOLDOLDOLDOLD1';
const created = {
  id: '0123456789ABCDEFGHIJab',
  key: KEY,
  name: 'ci',
  scopes: ['read'],
  createdAt: NOW.toISOString(),
  expiresAt: '2026-08-30T12:00:00.000Z',
};
const rotated = { ...created, rotatedFrom: OLD_ID, replaced: { id: OLD_ID, expiresAt: '2026-06-01T13:00:00.000Z' } };
const REPLAYED = { 'idempotent-replayed': 'true' };

const env = (extra: Record<string, string> = {}) => ({
  APIKEY_CONFIG_DIR: freshConfigDir(),
  APIKEY_TOKEN: fakeToken({ sub: 'auth0|alice' }),
  NO_COLOR: '1',
  ...extra,
});

/** A sleep that records what it was asked to wait, and does not wait. */
function recordedSleep() {
  const waits: number[] = [];
  return {
    waits,
    sleep: (ms: number) => {
      waits.push(ms);
      return Promise.resolve();
    },
  };
}

const keyOf = (request: { init: RequestInit | undefined } | undefined) =>
  (request?.init?.headers as Record<string, string> | undefined)?.['idempotency-key'];

describe('create and rotate send an Idempotency-Key', () => {
  it('a fresh UUID for each invocation, none on other commands', async () => {
    const server = scriptedFetch([
      { status: 201, body: created },
      { status: 201, body: created },
      { status: 201, body: rotated },
      { status: 200, body: { keys: [] } },
    ]);
    const options = { env: env(), now: () => NOW, fetch: server.fetch };
    expect((await run(['create', '--name', 'ci'], options)).code).toBe(0);
    expect((await run(['create', '--name', 'ci'], options)).code).toBe(0);
    expect((await run(['rotate', OLD_ID], options)).code).toBe(0);
    expect((await run(['list'], options)).code).toBe(0);
    const keys = server.requests.map(keyOf);
    expect(keys.slice(0, 3)).toEqual([expect.stringMatching(UUID), expect.stringMatching(UUID), expect.stringMatching(UUID)]);
    expect(new Set(keys.slice(0, 3)).size).toBe(3);
    expect(keys[3]).toBeUndefined();
  });
});

describe('a lost answer is retried with the same Idempotency-Key', () => {
  /** A real HTTP server: `handle` is given each request's number (from 0). */
  async function httpServer(handle: (attempt: number, request: IncomingMessage, response: ServerResponse) => void) {
    const requests: IncomingMessage[] = [];
    const server = createServer((request, response) => {
      requests.push(request);
      request.resume();
      request.on('end', () => {
        handle(requests.length - 1, request, response);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { endpoint: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(resolve)) };
  }

  const answer = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  };

  it('after the connection is dropped with no answer: the replayed answer is shown as any other, with a quiet note', async () => {
    const server = await httpServer((attempt, request, response) => {
      if (attempt === 0) request.socket.destroy();
      else answer(response, 201, created, REPLAYED);
    });
    try {
      const { waits, sleep } = recordedSleep();
      const result = await run(['create', '--name', 'ci'], { env: env({ APIKEY_ENDPOINT: server.endpoint }), now: () => NOW, sleep });
      expect(result).toMatchObject({ code: 0, stdout: `${KEY}\n` });
      expect(result.stderr).toBe(
        `(answer of an earlier attempt)\nCreated key ${created.id} (ci), expires ${created.expiresAt}. The key is shown once.\n`,
      );
      expect(server.requests).toHaveLength(2);
      const [first, second] = server.requests.map((request) => request.headers['idempotency-key']);
      expect(first).toMatch(UUID);
      expect(second).toBe(first);
      expect(waits).toEqual([500]);
    } finally {
      await server.close();
    }
  });

  it('after an answer cut off half-way, and for rotate', async () => {
    const server = await httpServer((attempt, _request, response) => {
      if (attempt === 0) {
        response.writeHead(201, { 'content-type': 'application/json', 'content-length': '400' });
        response.write('{"id":"');
        setTimeout(() => response.socket?.destroy(), 10);
      } else {
        answer(response, 201, rotated, REPLAYED);
      }
    });
    try {
      const result = await run(['rotate', OLD_ID, '--json'], {
        env: env({ APIKEY_ENDPOINT: server.endpoint }),
        sleep: recordedSleep().sleep,
      });
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual(rotated);
      expect(result.stderr).toBe(''); // --json: no note
      expect(server.requests.map((request) => request.url)).toEqual([`/keys/${OLD_ID}/rotate`, `/keys/${OLD_ID}/rotate`]);
      expect(new Set(server.requests.map((request) => request.headers['idempotency-key'])).size).toBe(1);
    } finally {
      await server.close();
    }
  });

  it.each([
    ['503 with Retry-After: 0', { status: 503, body: { code: 'STORE_UNAVAILABLE', message: 'x' }, headers: { 'retry-after': '0' } }, 0],
    ['503 with Retry-After: 2', { status: 503, body: { code: 'STORE_UNAVAILABLE', message: 'x' }, headers: { 'retry-after': '2' } }, 2000],
    ['502', { status: 502, body: { message: 'Bad Gateway' } }, 500],
    ['504', { status: 504, body: { message: 'Gateway Timeout' } }, 500],
    ['a network failure', new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } }), 500],
  ])('after %s', async (_name, failure, wait) => {
    for (const argv of [
      ['create', '--name', 'ci'],
      ['rotate', OLD_ID],
    ]) {
      const server = scriptedFetch([failure, { status: 201, body: argv[0] === 'create' ? created : rotated }]);
      const { waits, sleep } = recordedSleep();
      const result = await run(argv, { env: env(), now: () => NOW, fetch: server.fetch, sleep });
      expect(result).toMatchObject({ code: 0, stdout: `${KEY}\n` });
      expect(result.stderr).not.toContain('earlier attempt'); // not said to be a replay
      expect(server.requests).toHaveLength(2);
      expect(keyOf(server.requests[0])).toMatch(UUID);
      expect(keyOf(server.requests[1])).toBe(keyOf(server.requests[0]));
      expect(server.requests[1]!.init!.body).toBe(server.requests[0]!.init!.body);
      expect(waits).toEqual([wait]);
    }
  });

  it('at most twice, with a short backoff; then the last failure, saying the key may exist', async () => {
    const unavailable = { status: 503, body: { code: 'STORE_UNAVAILABLE', message: 'DynamoDB failed; retry after a moment' } };
    const server = scriptedFetch([unavailable, unavailable, unavailable, { status: 201, body: created }]);
    const { waits, sleep } = recordedSleep();
    const result = await run(['create', '--name', 'ci'], { env: env(), fetch: server.fetch, sleep });
    expect(result).toMatchObject({ code: 4, stdout: '', stderr: 'Error: DynamoDB failed; retry after a moment\n' });
    expect(server.requests).toHaveLength(3);
    expect(waits).toEqual([500, 1500]);

    const lost = new TypeError('fetch failed', { cause: { code: 'UND_ERR_SOCKET' } });
    const dropped = scriptedFetch([lost, lost, lost]);
    const json = await run(['create', '--name', 'ci', '--json'], { env: env(), fetch: dropped.fetch, sleep });
    expect(json.code).toBe(4);
    expect(dropped.requests).toHaveLength(3);
    expect(new Set(dropped.requests.map(keyOf)).size).toBe(1);
    expect(JSON.parse(json.stderr)).toEqual({
      error: {
        code: 'NETWORK_ERROR',
        message: expect.stringMatching(/^Cannot reach http:\/\/127\.0\.0\.1:3000: UND_ERR_SOCKET \(it may have been done .*apikey list/),
      },
    });
  });

  it('not after a 503 whose Retry-After is longer than a few seconds: that wait is reported', async () => {
    const server = scriptedFetch([{ status: 503, body: { message: 'Service Unavailable' }, headers: { 'retry-after': '60' } }]);
    const { waits, sleep } = recordedSleep();
    const result = await run(['create', '--name', 'ci'], { env: env(), fetch: server.fetch, sleep });
    expect(result).toMatchObject({ code: 4, stderr: 'Error: Service Unavailable (try again in 60 s)\n' });
    expect(server.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('not after a refused redirect: it is an answer, and would be the same again', async () => {
    const server = scriptedFetch([new TypeError('fetch failed', { cause: new Error('unexpected redirect') })]);
    const result = await run(['create', '--name', 'ci'], { env: env(), fetch: server.fetch, sleep: recordedSleep().sleep });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('unexpected redirect');
    expect(server.requests).toHaveLength(1);
  });

  it('only for create and rotate: other commands fail at the first lost answer', async () => {
    for (const argv of [
      ['list'],
      ['show', OLD_ID],
      ['revoke', OLD_ID],
      ['disable', OLD_ID],
      ['admin', 'revoke-all', 'auth0|abc', '--yes'],
    ]) {
      const server = scriptedFetch([
        { status: 503, body: { message: 'later' }, headers: { 'retry-after': '0' } },
        new TypeError('fetch failed'),
      ]);
      const result = await run(argv, { env: env(), fetch: server.fetch, sleep: recordedSleep().sleep });
      expect(result.code).toBe(4);
      expect(server.requests).toHaveLength(1);
      expect(keyOf(server.requests[0])).toBeUndefined();
    }
  });
});

describe('refusals are not retried', () => {
  it.each([
    [400, { code: 'INVALID_REQUEST', message: 'name must be 1 to 100 characters' }, {}, 1, 'name must be 1 to 100 characters'],
    [
      422,
      { code: 'IDEMPOTENCY_KEY_REUSED', message: 'This Idempotency-Key was already used for a different request' },
      {},
      1,
      'This Idempotency-Key was already used for a different request',
    ],
    [
      429,
      { code: 'RATE_LIMITED', message: 'Too many keys created or rotated; try again in 30 s' },
      { 'retry-after': '30' },
      4,
      'Too many keys created or rotated; try again in 30 s',
    ],
    [429, { code: 'RATE_LIMITED', message: 'Slow down' }, { 'retry-after': '7' }, 4, 'Slow down (try again in 7 s)'],
  ])('%i %j', async (status, body, headers, exitCode, message) => {
    for (const argv of [
      ['create', '--name', 'ci'],
      ['rotate', OLD_ID],
    ]) {
      const server = scriptedFetch([
        { status, body, headers },
        { status: 201, body: created },
      ]);
      const { waits, sleep } = recordedSleep();
      const result = await run(argv, { env: env(), now: () => NOW, fetch: server.fetch, sleep });
      expect(result).toMatchObject({ code: exitCode, stdout: '', stderr: `Error: ${message}\n` });
      expect(server.requests).toHaveLength(1);
      expect(waits).toEqual([]);
    }
  });

  it('a 429 under --json carries the seconds as a field too, and an HTTP-date Retry-After is counted from now', async () => {
    const answer = (retryAfter: string) =>
      scriptedFetch([{ status: 429, body: { code: 'RATE_LIMITED', message: 'Slow down' }, headers: { 'retry-after': retryAfter } }]).fetch;
    const json = await run(['create', '--name', 'ci', '--json'], { env: env(), fetch: answer('12') });
    expect(JSON.parse(json.stderr)).toEqual({
      error: { code: 'RATE_LIMITED', message: 'Slow down (try again in 12 s)', retryAfterSeconds: 12 },
    });
    const dated = await run(['rotate', OLD_ID], { env: env(), now: () => NOW, fetch: answer('Mon, 01 Jun 2026 12:01:30 GMT') });
    expect(dated.stderr).toBe('Error: Slow down (try again in 90 s)\n');
    const without = await run(['rotate', OLD_ID], {
      env: env(),
      fetch: scriptedFetch([{ status: 429, body: { code: 'RATE_LIMITED', message: 'Slow down' } }]).fetch,
    });
    expect(without).toMatchObject({ code: 4, stderr: 'Error: Slow down\n' });
  });
});

describe('retryAfterSeconds', () => {
  it.each([
    ['0', 0],
    [' 17 ', 17],
    ['Mon, 01 Jun 2026 12:00:10 GMT', 10],
    ['Mon, 01 Jun 2026 11:00:00 GMT', 0],
    ['soon', undefined],
    ['-5', undefined],
    ['1.5', undefined],
  ])('%j → %j', (value, seconds) => {
    expect(retryAfterSeconds(value, NOW)).toBe(seconds);
  });

  it('is undefined without the header', () => {
    expect(retryAfterSeconds(null, NOW)).toBeUndefined();
  });
});
