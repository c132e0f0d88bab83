/**
 * Security tier: what one caller can make the service hold or process is bounded.
 * Body size (bytes, not characters), name and scope sizes, and the number of
 * active keys per user, the last under 50 concurrent creates.
 *
 * The in-memory store is used here; the DynamoDB version of the key-limit race
 * is tested against DynamoDB Local elsewhere.
 */
import { TEST_ALLOWED_SCOPES, testKeyPolicy } from '../support/key-policy';
import { MAX_SCOPES_PER_KEY, NAME_MAX_LENGTH, SCOPE_MAX_LENGTH } from '../../lambdas/domain/key-policy';
import { MAX_BODY_BYTES } from '../../lambdas/http/request';
import type { HttpResponse } from '../../lambdas/http/responses';
import { createTokenIssuer, type TokenIssuer } from '../support/tokens';
import { bodyOf, createHarness, type Harness, type RequestOptions } from './management-harness';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const ALICE = 'auth0|alice';
const BOB = 'auth0|bob';
const LIMIT = testKeyPolicy().maxKeysPerUser;

let tokens: TokenIssuer;
let aliceToken: string;
let bobToken: string;

beforeAll(async () => {
  tokens = await createTokenIssuer();
  aliceToken = await tokens.signToken({ sub: ALICE });
  bobToken = await tokens.signToken({ sub: BOB });
});

let harness: Harness;

beforeEach(() => {
  // Every scope these tests use is allowed: here only the bounds are under test.
  harness = createHarness(
    tokens,
    testKeyPolicy({ allowedScopes: [...TEST_ALLOWED_SCOPES, ...Array.from({ length: 30 }, (_, i) => `s${String(i).padStart(7, '0')}`)] }),
    () => NOW,
  );
});

const create = (options: Partial<RequestOptions> = {}): Promise<HttpResponse> =>
  harness.call('POST /keys', { token: aliceToken, ...options });

/** A valid create request (JSON) padded with trailing whitespace to exactly `bytes` UTF-8 bytes. */
function bodyOfBytes(bytes: number, name = 'big body'): string {
  const json = JSON.stringify({ name, scopes: ['orders:read'] });
  const padding = bytes - Buffer.byteLength(json, 'utf8');
  if (padding < 0) throw new Error(`${json} is already over ${bytes} bytes`);
  const body = json + ' '.repeat(padding);
  expect(Buffer.byteLength(body, 'utf8')).toBe(bytes);
  return body;
}

function expectRefused(response: HttpResponse, status: number, code: string): void {
  expect(response.statusCode).toBe(status);
  expect(bodyOf(response)).toMatchObject({ code });
  expect(harness.store.size).toBe(0);
}

describe(`a request body is at most ${MAX_BODY_BYTES} bytes (16 KB)`, () => {
  it(`exactly ${MAX_BODY_BYTES} bytes is accepted`, async () => {
    expect(MAX_BODY_BYTES).toBe(16 * 1024);
    expect((await create({ body: bodyOfBytes(MAX_BODY_BYTES) })).statusCode).toBe(201);
  });

  it(`${MAX_BODY_BYTES + 1} bytes → 413 PAYLOAD_TOO_LARGE, nothing stored`, async () => {
    expectRefused(await create({ body: bodyOfBytes(MAX_BODY_BYTES + 1) }), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('bytes are counted, not characters: multi-byte UTF-8 over the limit in fewer characters → 413', async () => {
    const body = bodyOfBytes(MAX_BODY_BYTES + 1, 'é'.repeat(NAME_MAX_LENGTH));
    expect(body.length).toBeLessThan(MAX_BODY_BYTES);
    expectRefused(await create({ body }), 413, 'PAYLOAD_TOO_LARGE');
  });

  it(`exactly ${MAX_BODY_BYTES} bytes with multi-byte characters is accepted`, async () => {
    expect((await create({ body: bodyOfBytes(MAX_BODY_BYTES, 'é'.repeat(NAME_MAX_LENGTH)) })).statusCode).toBe(201);
  });

  it('a base64-encoded body is measured decoded: 16384 bytes accepted, 16385 refused', async () => {
    const encode = (text: string) => Buffer.from(text, 'utf8').toString('base64');
    expect((await create({ body: encode(bodyOfBytes(MAX_BODY_BYTES)), isBase64Encoded: true })).statusCode).toBe(201);
    const tooBig = await create({ body: encode(bodyOfBytes(MAX_BODY_BYTES + 1)), isBase64Encoded: true });
    expect(tooBig.statusCode).toBe(413);
    expect(harness.store.size).toBe(1);
  });

  it('a 10 MB body (what API Gateway lets through) → 413, nothing stored', async () => {
    expectRefused(await create({ body: bodyOfBytes(10 * 1024 * 1024) }), 413, 'PAYLOAD_TOO_LARGE');
  });
});

describe('names and scopes are bounded: over the limit → 400, nothing stored', () => {
  const scopes = (count: number, length = 8): string[] =>
    Array.from({ length: count }, (_, i) => `s${String(i).padStart(length - 1, '0')}`.slice(0, length));

  it.each<[string, unknown]>([
    [`a name of ${NAME_MAX_LENGTH} characters`, { name: 'n'.repeat(NAME_MAX_LENGTH) }],
    [`${MAX_SCOPES_PER_KEY} scopes`, { name: 'x', scopes: scopes(MAX_SCOPES_PER_KEY) }],
    [`a scope of ${SCOPE_MAX_LENGTH} characters`, { name: 'x', scopes: ['s'.repeat(SCOPE_MAX_LENGTH)] }],
  ])('(at the limit) %s is accepted', async (_label, body) => {
    expect((await create({ body: JSON.stringify(body) })).statusCode).toBe(201);
  });

  it.each<[string, unknown, string]>([
    [`a name of ${NAME_MAX_LENGTH + 1} characters`, { name: 'n'.repeat(NAME_MAX_LENGTH + 1) }, 'name'],
    ['a name of 10,000 characters', { name: 'n'.repeat(10_000) }, 'name'],
    [`${MAX_SCOPES_PER_KEY + 1} scopes`, { name: 'x', scopes: scopes(MAX_SCOPES_PER_KEY + 1) }, 'scopes'],
    ['1,000 scopes', { name: 'x', scopes: scopes(1000) }, 'scopes'],
    [`a scope of ${SCOPE_MAX_LENGTH + 1} characters`, { name: 'x', scopes: ['s'.repeat(SCOPE_MAX_LENGTH + 1)] }, 'scopes.0'],
    [
      `a ${SCOPE_MAX_LENGTH + 1}-character scope among short ones`,
      { name: 'x', scopes: ['a', 'b', 's'.repeat(SCOPE_MAX_LENGTH + 1)] },
      'scopes.2',
    ],
  ])('%s → 400', async (_label, body, field) => {
    const response = await create({ body: JSON.stringify(body) });
    expectRefused(response, 400, 'INVALID_REQUEST');
    expect(bodyOf(response).message).toContain(field);
  });
});

describe(`each user has at most ${LIMIT} active keys, however many creates race`, () => {
  const CONCURRENT = 50;

  it(`${CONCURRENT} concurrent creates through the handler → exactly ${LIMIT} succeed, the rest 409 KEY_LIMIT_REACHED`, async () => {
    const responses = await Promise.all(Array.from({ length: CONCURRENT }, () => create()));
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(LIMIT);
    expect(statuses.filter((s) => s === 409)).toHaveLength(CONCURRENT - LIMIT);
    for (const refused of responses.filter((r) => r.statusCode === 409))
      expect(bodyOf(refused)).toMatchObject({ code: 'KEY_LIMIT_REACHED' });

    expect(harness.store.size).toBe(LIMIT);
    const listed = bodyOf(await harness.call('GET /keys', { token: aliceToken })).keys as { id: string }[];
    const created = responses.filter((r) => r.statusCode === 201).map((r) => bodyOf(r) as { id: string; key: string });
    expect(listed.map((k) => k.id).sort()).toEqual(created.map((k) => k.id).sort());
    expect(new Set(created.map((k) => k.id)).size).toBe(LIMIT);
    for (const { key } of created) await expect(harness.authorize(`Bearer ${key}`)).resolves.toBe(true);
  });

  it(`${CONCURRENT} concurrent creates each from Alice and Bob, interleaved → exactly ${LIMIT} each`, async () => {
    const responses = await Promise.all(
      Array.from({ length: CONCURRENT * 2 }, (_, i) => create({ token: i % 2 === 0 ? aliceToken : bobToken })),
    );
    const succeeded = (parity: number) => responses.filter((r, i) => i % 2 === parity && r.statusCode === 201).length;
    expect([succeeded(0), succeeded(1)]).toEqual([LIMIT, LIMIT]);
    expect(harness.store.size).toBe(2 * LIMIT);
  });

  it('a revoke frees exactly one slot, even when creates race for it', async () => {
    const first = await Promise.all(Array.from({ length: LIMIT }, () => create()));
    expect(first.every((r) => r.statusCode === 201)).toBe(true);
    const { id } = bodyOf(first[0]!) as { id: string };
    expect((await harness.call('DELETE /keys/{id}', { token: aliceToken, id })).statusCode).toBe(204);
    const second = await Promise.all(Array.from({ length: 10 }, () => create()));
    expect(second.filter((r) => r.statusCode === 201)).toHaveLength(1);
    expect(second.filter((r) => r.statusCode === 409)).toHaveLength(9);
  });
});
