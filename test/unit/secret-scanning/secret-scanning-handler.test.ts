import { createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { GitHubKeys } from '../../../lambdas/auth/github-keys';
import type { StoredKey } from '../../../lambdas/domain/api-key';
import { DependencyUnavailableError } from '../../../lambdas/domain/errors';
import { KeyFormat } from '../../../lambdas/domain/key-format';
import { LeakRevocation } from '../../../lambdas/domain/leak-revocation';
import { hashSecret } from '../../../lambdas/domain/secret-hash';
import { createSecretScanningHandler, MAX_ALERT_BODY_BYTES } from '../../../lambdas/handlers/secret-scanning';
import type { HttpResponse } from '../../../lambdas/http/responses';
import type { AppLogger } from '../../../lambdas/observability/logger';
import { InMemoryKeyStore } from '../../support/in-memory-key-store';
import { storedTestKey, testKeyPolicy } from '../../support/key-policy';
import { FakeGitHub, newGitHubKey, signBody } from '../../support/fake-github';

const format = new KeyFormat('uak');
const NOW = new Date('2030-01-01T00:00:00Z');
const nowSeconds = NOW.getTime() / 1000;
const LEAK_URL = 'https://github.com/octocat/Hello-World/blob/0123abc/config.env';
const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

type FakeLogger = { [K in keyof AppLogger]: jest.Mock };
const fakeLogger = (): FakeLogger => ({ debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() });
const json = (response: HttpResponse): any => JSON.parse(response.body ?? '');

let github: FakeGitHub;
let store: InMemoryKeyStore;
let logger: FakeLogger;
let clockMs: number;
let handler: (event: APIGatewayProxyEventV2) => Promise<HttpResponse>;

beforeEach(async () => {
  github = await FakeGitHub.start();
  store = new InMemoryKeyStore();
  logger = fakeLogger();
  clockMs = NOW.getTime();
  handler = handlerFor(store);
});
afterEach(async () => {
  await github.stop();
});

function handlerFor(target: Pick<InMemoryKeyStore, 'getKey' | 'revokeKey'>) {
  const clock = () => new Date(clockMs);
  return createSecretScanningHandler({
    keys: new GitHubKeys({ url: github.url, now: () => clockMs }),
    revocation: new LeakRevocation({ store: target, format, policy: testKeyPolicy(), clock }),
    logger,
  });
}

/** A real key of ours in the store: the whole key (what leaks) and what is stored. */
function issue(owner = 'auth0|alice', overrides: Partial<StoredKey> = {}): { token: string; stored: StoredKey } {
  const generated = format.generate();
  const stored = storedTestKey(owner, NOW, {
    keyId: generated.keyId,
    secretHash: hashSecret(generated.secret),
    expiresAt: nowSeconds + 86_400,
    ...overrides,
  });
  store.seed(stored);
  return { token: generated.key, stored };
}

const match = (token: string, extra: object = {}) => ({ token, type: 'user_api_key', url: LEAK_URL, source: 'commit', ...extra });
const leakEvents = () => store.events.filter((event) => event.type === 'leak_revoke');
const everythingLogged = () => JSON.stringify(Object.values(logger).map((mock) => mock.mock.calls));

describe('a leaked key', () => {
  it('is revoked within the one request, with why, and one leak_revoke event that names where (never the token)', async () => {
    const { token, stored } = issue();
    const response = await handler(github.alert([match(token)]).event);

    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual([{ token_hash: sha256(token), token_type: 'user_api_key', label: 'true_positive' }]);
    const after = store.peek(stored.keyId);
    expect(after?.revokedAt).toBe(NOW.toISOString());
    expect(after?.revocation).toEqual({ cause: 'leaked', url: LEAK_URL, source: 'commit' });
    expect(leakEvents()).toEqual([
      expect.objectContaining({
        keyId: stored.keyId,
        keyOwner: stored.ownerId,
        actor: 'github:secret-scanning',
        details: { url: LEAK_URL, source: 'commit' },
      }),
    ]);
    expect(store.events).toHaveLength(1);
    expect(JSON.stringify(store.events)).not.toContain(token);
  });

  it.each([
    ['disabled by its owner', { disabledAt: NOW.toISOString() }],
    ['rotated, still in its grace period', { rotatedAt: NOW.toISOString(), replacedBy: format.generate().keyId }],
  ])('is revoked when %s: it could still work, or work again', async (_what, overrides) => {
    const { token, stored } = issue('auth0|alice', overrides);
    const response = await handler(github.alert([match(token)]).event);
    expect(json(response)[0].label).toBe('true_positive');
    expect(store.peek(stored.keyId)?.revokedAt).toBeDefined();
  });

  it('answers false_positive, and revokes nothing, for every token that is not a live key of ours', async () => {
    const live = issue();
    const revoked = issue('auth0|bob', { revokedAt: new Date(clockMs - 1000).toISOString() });
    const expired = issue('auth0|bob', { expiresAt: nowSeconds - 1 });
    const rotatedOut = issue('auth0|bob', { expiresAt: nowSeconds - 1, replacedBy: format.generate().keyId });
    const unknown = format.generate().key;
    // A forgery: the real (public) key id with a secret of someone's choosing, and a good checksum.
    const wrongSecret = format.format(live.stored.keyId, format.generate().secret);
    const badChecksum = `${live.token.slice(0, -1)}${live.token.endsWith('A') ? 'B' : 'A'}`;
    const otherPrefix = new KeyFormat('zzz').generate().key;
    const tokens = [unknown, wrongSecret, badChecksum, otherPrefix, revoked.token, expired.token, rotatedOut.token];
    const before = [live, revoked, expired, rotatedOut].map(({ stored }) => store.peek(stored.keyId));
    const revokes = jest.spyOn(store, 'revokeKey');

    const response = await handler(github.alert(tokens.map((token) => match(token))).event);

    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual(
      tokens.map((token) => ({ token_hash: sha256(token), token_type: 'user_api_key', label: 'false_positive' })),
    );
    expect([live, revoked, expired, rotatedOut].map(({ stored }) => store.peek(stored.keyId))).toEqual(before);
    expect(store.events).toEqual([]);
    // Judged before any write: not one revoke was even attempted.
    expect(revokes).not.toHaveBeenCalled();
  });

  it('shows no raw token, secret or hash anywhere in the answer or the logs; logs name the key id alone', async () => {
    const { token, stored } = issue();
    const forged = format.format(stored.keyId, format.generate().secret);
    const stranger = new KeyFormat('zzz').generate().key;
    const response = await handler(github.alert([match(token), match(forged), match(stranger)]).event);

    const answer = response.body ?? '';
    const logged = everythingLogged();
    for (const secretText of [token, forged, stranger, stored.secretHash, token.slice(4 + 23, 4 + 23 + 43)]) {
      expect(answer).not.toContain(secretText);
      expect(logged).not.toContain(secretText);
    }
    // The feedback carries the token's hash (GitHub's contract); the logs do not even carry that.
    for (const text of [token, forged, stranger]) expect(logged).not.toContain(sha256(text));
    expect(logger.info).toHaveBeenCalledWith('secret scanning match', { keyId: stored.keyId, outcome: 'revoked', label: 'true_positive' });
    expect(logger.info).toHaveBeenCalledWith('secret scanning match', {
      keyId: stored.keyId,
      outcome: 'wrong-secret',
      label: 'false_positive',
    });
    expect(logger.info).toHaveBeenCalledWith('secret scanning match', { outcome: 'not-ours', label: 'false_positive' });
  });

  it('sent again (GitHub retries) revokes nothing more and records no second event', async () => {
    const { token, stored } = issue();
    const { event } = github.alert([match(token)]);
    expect(json(await handler(event))[0].label).toBe('true_positive');
    const revokedAt = store.peek(stored.keyId)?.revokedAt;
    clockMs += 5000;

    const again = await handler(event);
    expect(again.statusCode).toBe(200);
    expect(json(again)[0]).toEqual({ token_hash: sha256(token), token_type: 'user_api_key', label: 'false_positive' });
    expect(store.peek(stored.keyId)?.revokedAt).toBe(revokedAt);
    expect(leakEvents()).toHaveLength(1);
  });

  it('twice in one request is handled once: one event, and both matches answered alike', async () => {
    const { token } = issue();
    const response = await handler(github.alert([match(token), match(token, { source: 'issue_comment' })]).event);
    expect(json(response).map((entry: { label: string }) => entry.label)).toEqual(['true_positive', 'true_positive']);
    expect(leakEvents()).toHaveLength(1);
    expect(leakEvents()[0]?.details).toEqual({ url: LEAK_URL, source: 'commit' });
  });

  it('50 in one request are all revoked, answered in order, never more than 8 checked at once', async () => {
    const keys = Array.from({ length: 50 }, (_, i) => issue(`auth0|owner${i % 5}`));
    let inFlight = 0;
    let most = 0;
    const counting: Pick<InMemoryKeyStore, 'getKey' | 'revokeKey'> = {
      getKey: async (keyId) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 2));
        inFlight -= 1;
        return store.getKey(keyId);
      },
      revokeKey: (...args) => store.revokeKey(...args),
    };
    const started = Date.now();
    const response = await handlerFor(counting)(github.alert(keys.map(({ token }) => match(token))).event);

    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual(
      keys.map(({ token }) => ({ token_hash: sha256(token), token_type: 'user_api_key', label: 'true_positive' })),
    );
    expect(keys.every(({ stored }) => store.peek(stored.keyId)?.revokedAt !== undefined)).toBe(true);
    expect(leakEvents()).toHaveLength(50);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(8);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('in a base64-encoded body is verified over the decoded bytes, and revoked', async () => {
    const { token, stored } = issue();
    const body = JSON.stringify([match(token)]);
    const encoded = Buffer.from(body).toString('base64');
    const response = await handler(github.event(encoded, github.headersFor(body), { isBase64Encoded: true }));
    expect(response.statusCode).toBe(200);
    expect(store.peek(stored.keyId)?.revokedAt).toBeDefined();

    // Signed over the base64 text instead: not the bytes GitHub sent.
    const wrong = await handler(github.event(encoded, github.headersFor(encoded), { isBase64Encoded: true }));
    expect(wrong.statusCode).toBe(401);
  });

  it('keeps the revocation of a URL made safe to show: control characters gone, other schemes dropped', async () => {
    const first = issue();
    const second = issue();
    await handler(
      github.alert([
        match(first.token, { url: 'https://github.com/o/r/blob/x/\u001b[31mred\u202e.env', source: 'Pull_Request_Comment' }),
        match(second.token, { url: 'javascript:alert(1)', source: 'no such source!' }),
      ]).event,
    );
    expect(store.peek(first.stored.keyId)?.revocation).toEqual({
      cause: 'leaked',
      url: 'https://github.com/o/r/blob/x/[31mred.env',
      source: 'pull_request_comment',
    });
    expect(store.peek(second.stored.keyId)?.revocation).toEqual({ cause: 'leaked', url: '', source: 'unknown' });
  });
});

describe('refusals: nothing is revoked, and each answer is JSON { code, message }', () => {
  let token: string;
  let keyId: string;
  let body: string;
  beforeEach(() => {
    const issued = issue();
    token = issued.token;
    keyId = issued.stored.keyId;
    body = JSON.stringify([match(token)]);
  });

  async function expectRefused(event: APIGatewayProxyEventV2, status: number, code: string): Promise<HttpResponse> {
    const eventsBefore = [...store.events];
    const response = await handler(event);
    expect(response.statusCode).toBe(status);
    expect(json(response)).toEqual({ code, message: expect.any(String) });
    expect(response.body).not.toContain(token);
    expect(store.peek(keyId)?.revokedAt).toBeUndefined();
    expect(store.events).toEqual(eventsBefore);
    return response;
  }

  it('no signature headers at all: 401 MISSING_SIGNATURE, before any keys fetch', async () => {
    await expectRefused(github.event(body, {}), 401, 'MISSING_SIGNATURE');
    expect(github.fetches).toBe(0);
  });

  it('no key identifier: 401 MISSING_SIGNATURE', async () => {
    const { 'github-public-key-signature': signature } = github.headersFor(body);
    await expectRefused(github.event(body, { 'github-public-key-signature': signature }), 401, 'MISSING_SIGNATURE');
  });

  it('no signature: 401 MISSING_SIGNATURE', async () => {
    await expectRefused(github.event(body, { 'github-public-key-identifier': github.key.id }), 401, 'MISSING_SIGNATURE');
  });

  it('a key identifier GitHub does not publish: 401 INVALID_SIGNATURE', async () => {
    const stranger = newGitHubKey();
    await expectRefused(github.event(body, github.headersFor(body, stranger)), 401, 'INVALID_SIGNATURE');
  });

  it("GitHub's key identifier with a stranger's signature: 401 INVALID_SIGNATURE", async () => {
    const headers = { 'github-public-key-identifier': github.key.id, 'github-public-key-signature': signBody(newGitHubKey(), body) };
    await expectRefused(github.event(body, headers), 401, 'INVALID_SIGNATURE');
  });

  it('a signature over a different body: 401 INVALID_SIGNATURE', async () => {
    const other = JSON.stringify([match(token, { source: 'npm' })]);
    await expectRefused(github.event(body, github.headersFor(other)), 401, 'INVALID_SIGNATURE');
  });

  it('the same body re-serialised (a space added) no longer verifies: the raw bytes are what is signed', async () => {
    await expectRefused(github.event(`${body} `, github.headersFor(body)), 401, 'INVALID_SIGNATURE');
  });

  it('a truncated signature: 401 INVALID_SIGNATURE', async () => {
    const der = Buffer.from(signBody(github.key, body), 'base64');
    const headers = {
      'github-public-key-identifier': github.key.id,
      'github-public-key-signature': der.subarray(0, -6).toString('base64'),
    };
    await expectRefused(github.event(body, headers), 401, 'INVALID_SIGNATURE');
  });

  it.each([
    ['not base64 at all', '!!!not*base64!!!'],
    ['base64 with junk', `${'A'.repeat(8)}$`],
    ['far too long', 'A'.repeat(4096)],
  ])('a signature %s: 401 INVALID_SIGNATURE, with no keys fetch', async (_what, signature) => {
    await expectRefused(
      github.event(body, { 'github-public-key-identifier': github.key.id, 'github-public-key-signature': signature }),
      401,
      'INVALID_SIGNATURE',
    );
    expect(github.fetches).toBe(0);
  });

  it('a body over 1 MB: 413 before anything else, even with no signature, and no keys fetch', async () => {
    const big = `[${' '.repeat(MAX_ALERT_BODY_BYTES)}]`;
    await expectRefused(github.event(big, {}), 413, 'PAYLOAD_TOO_LARGE');
    await expectRefused(github.event(big, github.headersFor(big)), 413, 'PAYLOAD_TOO_LARGE');
    expect(github.fetches).toBe(0);
  });

  it('a signed body that is not matches: 400 naming the problem', async () => {
    for (const [text, code] of [
      ['', 'MISSING_BODY'],
      ['{not json', 'INVALID_JSON'],
      ['{"token":"x"}', 'INVALID_REQUEST'],
      ['[]', 'INVALID_REQUEST'],
      ['[{"type":"user_api_key"}]', 'INVALID_REQUEST'],
    ] as const) {
      const response = await expectRefused(github.event(text, github.headersFor(text)), 400, code);
      expect(response.statusCode).toBe(400);
    }
  });

  it('a key GitHub rotated out: once the document changes, after the refetch its signatures fail', async () => {
    const old = github.key;
    const first = issue();
    expect((await handler(github.alert([match(first.token)], old).event)).statusCode).toBe(200);

    const replacement = newGitHubKey();
    github.keys = [replacement];
    clockMs += 61_000;
    const second = issue();
    expect((await handler(github.alert([match(second.token)], replacement).event)).statusCode).toBe(200);
    expect(github.fetches).toBe(2);

    await expectRefused(github.event(body, github.headersFor(body, old)), 401, 'INVALID_SIGNATURE');
    clockMs += 61_000; // a refetch is allowed again: the old key is still gone
    await expectRefused(github.event(body, github.headersFor(body, old)), 401, 'INVALID_SIGNATURE');
    expect(github.fetches).toBe(3);
  });
});

describe("GitHub's keys, fetched sparingly", () => {
  const unknownIdAlert = (body: string) => github.event(body, github.headersFor(body, newGitHubKey()));

  it('a flood of unknown key identifiers costs at most one fetch a minute (counted at the server)', async () => {
    const body = JSON.stringify([match(format.generate().key)]);
    for (let i = 0; i < 30; i += 1) {
      expect((await handler(unknownIdAlert(body))).statusCode).toBe(401);
      clockMs += 1000; // 30 s in all
    }
    expect(github.fetches).toBe(1);
    await Promise.all(Array.from({ length: 30 }, () => handler(unknownIdAlert(body))));
    expect(github.fetches).toBe(1);
    clockMs += 30_000; // a minute since the first fetch
    await Promise.all(Array.from({ length: 30 }, () => handler(unknownIdAlert(body))));
    expect(github.fetches).toBe(2);
  });

  it('concurrent first alerts share one fetch', async () => {
    const { token } = issue();
    const responses = await Promise.all(Array.from({ length: 20 }, () => handler(github.alert([match(token)]).event)));
    expect(responses.every((response) => response.statusCode === 200)).toBe(true);
    expect(github.fetches).toBe(1);
    expect(leakEvents()).toHaveLength(1);
  });

  it.each([
    ['answers 500', { status: 500 }],
    ['answers 404', { status: 404 }],
    ['answers JSON that is no keys document', { status: 200, body: '{"keys":[]}' }],
    ['answers something that is not JSON', { status: 200, body: '<html>' }],
  ])('the keys URL %s: 503 GITHUB_KEYS_UNAVAILABLE with Retry-After, nothing revoked', async (_what, failure) => {
    const { token, stored } = issue();
    github.failWith = failure;
    const response = await handler(github.alert([match(token)]).event);
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'retry-after': '1' });
    expect(json(response)).toEqual({ code: 'GITHUB_KEYS_UNAVAILABLE', message: expect.any(String) });
    expect(store.peek(stored.keyId)?.revokedAt).toBeUndefined();
    expect(logger.error).toHaveBeenCalledWith('secret scanning alert failed', expect.any(Object));
  });

  it('the keys URL unreachable: 503 GITHUB_KEYS_UNAVAILABLE, nothing revoked', async () => {
    const { token, stored } = issue();
    await github.stop();
    const down = await handler(github.alert([match(token)]).event);
    expect(down.statusCode).toBe(503);
    expect(json(down).code).toBe('GITHUB_KEYS_UNAVAILABLE');
    expect(store.peek(stored.keyId)?.revokedAt).toBeUndefined();
  });
});

describe('faults', () => {
  it('the store failing: 503 STORE_UNAVAILABLE, and the alert sent again is handled', async () => {
    const { token, stored } = issue();
    store.failNext(new DependencyUnavailableError('DynamoDB is down', 'STORE_UNAVAILABLE'), 'getKey');
    const { event } = github.alert([match(token)]);
    const failed = await handler(event);
    expect(failed.statusCode).toBe(503);
    expect(json(failed).code).toBe('STORE_UNAVAILABLE');
    expect(store.peek(stored.keyId)?.revokedAt).toBeUndefined();

    expect(json(await handler(event))[0].label).toBe('true_positive');
    expect(leakEvents()).toHaveLength(1);
  });
});
