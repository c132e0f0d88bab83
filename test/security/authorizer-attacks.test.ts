/**
 * Security tier: the API-key authorizer lets in nothing but the genuine key.
 *
 * Everything goes through createAuthorizerHandler with a real KeyVerifier and
 * KeyFormat over an in-memory store that counts its reads. One genuine key is
 * stored; every case below is a way of presenting something else.
 */
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import type { StoredKey } from '../../lambdas/domain/api-key';
import { CHECKSUM_LENGTH, KEY_ID_LENGTH, KeyFormat, SECRET_LENGTH, type GeneratedKey } from '../../lambdas/domain/key-format';
import type { KeyStore } from '../../lambdas/domain/key-store';
import { KeyVerifier } from '../../lambdas/domain/key-verifier';
import { hashSecret } from '../../lambdas/domain/secret-hash';
import { createAuthorizerHandler, type AuthorizerResult } from '../../lambdas/handlers/authorizer';
import type { AppLogger } from '../../lambdas/observability/logger';
import { toItem, toStoredKey } from '../../lambdas/store/item-mapping';
import { TABLE } from '../../lambdas/store/table-schema';
import authorizerEventFixture from '../fixtures/authorizer-event.json';
import { InMemoryKeyStore } from '../support/in-memory-key-store';
import { testEvent, NEVER_PURGED } from '../support/key-policy';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const OWNER = 'auth0|alice';
const SCOPES = ['orders:read'];
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DENIED: AuthorizerResult = { isAuthorized: false, context: {} };
const format = new KeyFormat('uak');

/** Latin letters and the Cyrillic letters that look the same. */
const CYRILLIC_LOOKALIKES: Record<string, string> = {
  a: '\u0430',
  c: '\u0441',
  e: '\u0435',
  o: '\u043e',
  p: '\u0440',
  x: '\u0445',
  y: '\u0443',
  A: '\u0410',
  B: '\u0412',
  C: '\u0421',
  E: '\u0415',
  H: '\u041d',
  K: '\u041a',
  M: '\u041c',
  O: '\u041e',
  P: '\u0420',
  T: '\u0422',
  X: '\u0425',
};
const fullwidth = (digit: string): string => String.fromCodePoint(0xff10 + Number(digit));

const silentLogger: AppLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** The fixture authorizer event (GET /whoami) with the given Authorization header, or none. */
function authorizerEvent(authorization: string | undefined): APIGatewayRequestAuthorizerEventV2 {
  const event = structuredClone(authorizerEventFixture) as unknown as APIGatewayRequestAuthorizerEventV2;
  delete event.headers?.authorization;
  event.identitySource = [];
  if (authorization !== undefined) {
    event.headers = { ...event.headers, authorization };
    event.identitySource = [authorization];
  }
  return event;
}

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
const replaceAt = (text: string, index: number, replacement: string): string => text.slice(0, index) + replacement + text.slice(index + 1);
const insertAt = (text: string, index: number, insertion: string): string => text.slice(0, index) + insertion + text.slice(index);
const removeAt = (text: string, index: number): string => text.slice(0, index) + text.slice(index + 1);
/** Another base62 character than the one at `index`. */
const otherBase62 = (text: string, index: number): string => (text[index] === 'A' ? 'B' : 'A');

/** Where each part of a key starts: `uak_<keyId>_<secret><checksum>`. */
const ID_START = 'uak_'.length;
const SECRET_START = ID_START + KEY_ID_LENGTH + 1;
const CHECKSUM_START = SECRET_START + SECRET_LENGTH;

/**
 * The genuine key, chosen once: a fresh key that happens to have, in its secret,
 * a letter with a Cyrillic look-alike and a digit (nearly every key does), so
 * the Unicode cases substitute into the secret and not only into the prefix.
 */
function genuineKey(): GeneratedKey {
  for (;;) {
    const key = format.generate();
    if (/[acepxyoABCEHKMOPTX]/.test(key.secret) && /[0-9]/.test(key.secret) && /[0-9]/.test(key.keyId)) return key;
  }
}

const genuine = genuineKey();
const GENUINE_HEADER = `Bearer ${genuine.key}`;

function storedKeyFor(key: GeneratedKey, overrides: Partial<StoredKey> = {}): StoredKey {
  return {
    keyId: key.keyId,
    ownerId: OWNER,
    secretHash: hashSecret(key.secret),
    name: 'deploy script',
    scopes: SCOPES,
    createdAt: NOW.toISOString(),
    expiresAt: NOW_SECONDS + 3600,
    ...overrides,
  };
}

let store: InMemoryKeyStore;
let now: Date;
let handler: (event: APIGatewayRequestAuthorizerEventV2) => Promise<AuthorizerResult>;

beforeEach(() => {
  store = new InMemoryKeyStore();
  store.seed(storedKeyFor(genuine));
  now = NOW;
  handler = createAuthorizerHandler({
    verifier: new KeyVerifier({ store, format, clock: () => now }),
    logger: silentLogger,
  });
});

/** The authorizer's answer to one header, and how many store reads it cost. */
async function authorize(header: string | undefined): Promise<{ result: AuthorizerResult; reads: number }> {
  const before = store.getKeyCalls;
  const result = await handler(authorizerEvent(header));
  return { result, reads: store.getKeyCalls - before };
}

async function expectDeniedWithoutRead(header: string | undefined): Promise<void> {
  const { result, reads } = await authorize(header);
  expect(result).toEqual(DENIED);
  expect(reads).toBe(0);
}

describe('the genuine key (the control every attack is measured against)', () => {
  it('is allowed as Bearer and as Basic <keyId>:<key>, with one store read, acting as its owner', async () => {
    const allowed = { isAuthorized: true, context: { sub: OWNER, keyId: genuine.keyId, scopes: SCOPES, scope: SCOPES.join(' ') } };
    await expect(authorize(GENUINE_HEADER)).resolves.toEqual({ result: allowed, reads: 1 });
    await expect(authorize(basic(genuine.keyId, genuine.key))).resolves.toEqual({ result: allowed, reads: 1 });
  });
});

describe('a header that carries no key in the one accepted shape is denied without a store read', () => {
  it('no Authorization header at all', async () => {
    await expectDeniedWithoutRead(undefined);
  });

  it.each([
    ['Token', `Token ${genuine.key}`],
    ['Digest', `Digest ${genuine.key}`],
    ['ApiKey', `ApiKey ${genuine.key}`],
    ['Bearer misspelt', `Baerer ${genuine.key}`],
    ['Bearer with a colon', `Bearer: ${genuine.key}`],
    ['no scheme, the key alone', genuine.key],
    ['the key then the scheme', `${genuine.key} Bearer`],
  ])('a wrong scheme (%s)', async (_label, header) => {
    await expectDeniedWithoutRead(header);
  });

  it.each([
    ['an empty header', ''],
    ['"Bearer" alone', 'Bearer'],
    ['"Bearer " and nothing', 'Bearer '],
    ['"Bearer" and blanks', 'Bearer    '],
    ['"Bearer" and a tab', 'Bearer\t'],
    ['"Basic " and nothing', 'Basic '],
    ['Basic with empty credentials', basic('', '')],
  ])('an empty credential (%s)', async (_label, header) => {
    await expectDeniedWithoutRead(header);
  });

  it.each([
    ['a leading space', ` ${GENUINE_HEADER}`],
    ['a trailing space', `${GENUINE_HEADER} `],
    ['two spaces after the scheme', `Bearer  ${genuine.key}`],
    ['a tab instead of the space', `Bearer\t${genuine.key}`],
    ['a trailing tab', `${GENUINE_HEADER}\t`],
    ['a space inside the key', `Bearer ${insertAt(genuine.key, SECRET_START + 5, ' ')}`],
    ['a tab inside the key', `Bearer ${insertAt(genuine.key, SECRET_START + 5, '\t')}`],
    ['a non-breaking space after the scheme', `Bearer\u00a0${genuine.key}`],
    ['a trailing NUL', `${GENUINE_HEADER}\u0000`],
    ['a NUL before the key', `Bearer \u0000${genuine.key}`],
    ['a NUL inside the key', `Bearer ${insertAt(genuine.key, ID_START + 3, '\u0000')}`],
    ['a trailing newline', `${GENUINE_HEADER}\n`],
    ['a trailing CR LF', `${GENUINE_HEADER}\r\n`],
    ['CR LF and an injected header', `${GENUINE_HEADER}\r\nX-Forwarded-For: 127.0.0.1`],
    ['a leading newline', `\n${GENUINE_HEADER}`],
    ['CR LF between scheme and key', `Bearer\r\n ${genuine.key}`],
    ['a vertical tab', `Bearer ${genuine.key}\u000b`],
    ['the key twice, comma-joined as a proxy joins repeated headers', `${GENUINE_HEADER},${GENUINE_HEADER}`],
    ['the key twice, comma-joined without a scheme', `Bearer ${genuine.key},${genuine.key}`],
    ['the key twice, space-separated', `Bearer ${genuine.key} ${genuine.key}`],
  ])('whitespace, control characters or injection around the genuine key (%s)', async (_label, header) => {
    await expectDeniedWithoutRead(header);
  });
});

describe('Unicode look-alikes of the genuine key are denied without a store read', () => {
  const firstIndex = (pattern: RegExp, from: number, to: number): number => {
    for (let i = from; i < to; i += 1) if (pattern.test(genuine.key.charAt(i))) return i;
    throw new Error(`the genuine key has no ${String(pattern)} between ${from} and ${to}`);
  };
  const lookalikeIn = (from: number, to: number): string => {
    const index = firstIndex(/[acepxyoABCEHKMOPTX]/, from, to);
    return replaceAt(genuine.key, index, CYRILLIC_LOOKALIKES[genuine.key.charAt(index)] ?? '?');
  };
  const fullwidthIn = (from: number, to: number): string => {
    const index = firstIndex(/[0-9]/, from, to);
    return replaceAt(genuine.key, index, fullwidth(genuine.key.charAt(index)));
  };

  it.each([
    ['Cyrillic а in the prefix', () => `u\u0430k${genuine.key.slice(3)}`],
    ['a Cyrillic look-alike in the secret', () => lookalikeIn(SECRET_START, CHECKSUM_START)],
    ['a fullwidth digit in the secret', () => fullwidthIn(SECRET_START, CHECKSUM_START)],
    ['a fullwidth digit in the key id', () => fullwidthIn(ID_START, ID_START + KEY_ID_LENGTH)],
    ['a fullwidth low line as separator', () => replaceAt(genuine.key, ID_START - 1, '\uff3f')],
    ['a zero-width joiner inside the secret', () => insertAt(genuine.key, SECRET_START + 10, '\u200d')],
    ['a zero-width space inside the key id', () => insertAt(genuine.key, ID_START + 4, '\u200b')],
    ['a zero-width non-joiner at the end', () => `${genuine.key}\u200c`],
    ['a byte-order mark in front', () => `\ufeff${genuine.key}`],
    ['a combining mark on a letter', () => insertAt(genuine.key, SECRET_START + 1, '\u0301')],
    [
      'the key in fullwidth letters throughout',
      () =>
        Array.from(genuine.key)
          .map((c) => (/[A-Za-z0-9]/.test(c) ? String.fromCodePoint(c.codePointAt(0)! + 0xfee0) : c))
          .join(''),
    ],
  ])('%s', async (_label, forge) => {
    const forged = forge();
    expect(forged).not.toBe(genuine.key);
    await expectDeniedWithoutRead(`Bearer ${forged}`);
    await expectDeniedWithoutRead(basic(genuine.keyId, forged));
  });

  it('(why it matters) a fullwidth forgery is the genuine key under NFKC: a normalising parser would let it in', () => {
    expect(fullwidthIn(SECRET_START, CHECKSUM_START).normalize('NFKC')).toBe(genuine.key);
  });
});

describe('an encoded form of the genuine key is denied without a store read', () => {
  const percentAll = Array.from(genuine.key)
    .map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)
    .join('');

  it.each([
    ['every character percent-encoded', percentAll],
    ['the separators percent-encoded', genuine.key.replace(/_/g, '%5F')],
    ['one letter percent-encoded', replaceAt(genuine.key, SECRET_START, `%${genuine.key.charCodeAt(SECRET_START).toString(16)}`)],
    ['base64 of the key as a Bearer token', Buffer.from(genuine.key).toString('base64')],
    ['base64url of the key', Buffer.from(genuine.key).toString('base64url')],
    ['the key in double quotes', `"${genuine.key}"`],
    ['the key HTML-escaped', genuine.key.replace(/_/g, '&#95;')],
  ])('%s', async (_label, presented) => {
    await expectDeniedWithoutRead(`Bearer ${presented}`);
  });
});

describe('every kind of malformed key is denied without a store read', () => {
  const key = genuine.key;
  const { keyId, secret } = genuine;
  const idPart = (length: number) => (keyId + keyId).slice(0, length);
  const secretPart = (length: number) => (secret + secret).slice(0, length);

  it.each<[string, string]>([
    ['another prefix', `abc${key.slice(3)}`],
    ['the prefix upper-cased', `UAK${key.slice(3)}`],
    ['the prefix missing', key.slice(4)],
    ['the prefix doubled', `uak_${key}`],
    ['a longer prefix', `uakk${key.slice(3)}`],
    ['a well-formed key for another prefix (checksum valid)', new KeyFormat('uax').format(keyId, secret)],
    ['the whole key upper-cased', key.toUpperCase()],
    ['the whole key lower-cased', key.toLowerCase()],
  ])('wrong prefix: %s', async (_label, presented) => {
    await expectDeniedWithoutRead(`Bearer ${presented}`);
  });

  it.each<[string, string]>([
    ['the first separator missing', removeAt(key, ID_START - 1)],
    ['the second separator missing', removeAt(key, SECRET_START - 1)],
    ['both separators missing', key.replace(/_/g, '')],
    ['an extra separator after the prefix', insertAt(key, ID_START, '_')],
    ['an extra separator after the key id', insertAt(key, SECRET_START, '_')],
    ['a separator before the checksum', insertAt(key, CHECKSUM_START, '_')],
    ['a trailing separator', `${key}_`],
    ['a leading separator', `_${key}`],
    ['a separator in place of a secret character (length kept)', replaceAt(key, SECRET_START + 7, '_')],
    ['a hyphen in place of a separator', key.replace(/_/g, '-')],
  ])('separators: %s', async (_label, presented) => {
    await expectDeniedWithoutRead(`Bearer ${presented}`);
  });

  it.each<[string, string]>([
    // format() computes a valid checksum over whatever parts it is given.
    [`key id of ${KEY_ID_LENGTH - 1}`, format.format(idPart(KEY_ID_LENGTH - 1), secret)],
    [`key id of ${KEY_ID_LENGTH + 1}`, format.format(idPart(KEY_ID_LENGTH + 1), secret)],
    [`secret of ${SECRET_LENGTH - 1}`, format.format(keyId, secretPart(SECRET_LENGTH - 1))],
    [`secret of ${SECRET_LENGTH + 1}`, format.format(keyId, secretPart(SECRET_LENGTH + 1))],
    [`checksum of ${CHECKSUM_LENGTH - 1}`, key.slice(0, -1)],
    [`checksum of ${CHECKSUM_LENGTH + 1}`, `${key}A`],
    [
      `key id of ${KEY_ID_LENGTH + 1} and secret of ${SECRET_LENGTH - 1} (total length kept)`,
      format.format(idPart(KEY_ID_LENGTH + 1), secretPart(SECRET_LENGTH - 1)),
    ],
    [
      `key id of ${KEY_ID_LENGTH - 1} and secret of ${SECRET_LENGTH + 1} (total length kept)`,
      format.format(idPart(KEY_ID_LENGTH - 1), secretPart(SECRET_LENGTH + 1)),
    ],
    ['the key id alone', keyId],
    ['the secret alone', secret],
    ['prefix and key id only', `uak_${keyId}`],
    ['the key without its checksum', key.slice(0, CHECKSUM_START)],
  ])('a part one too short or too long, with the checksum fixed up where it can be: %s', async (_label, presented) => {
    await expectDeniedWithoutRead(`Bearer ${presented}`);
  });

  it.each<[string, string]>([
    ['a hyphen in the key id', format.format(replaceAt(keyId, 3, '-'), secret)],
    ['a plus in the secret', format.format(keyId, replaceAt(secret, 10, '+'))],
    ['a slash in the secret', format.format(keyId, replaceAt(secret, 10, '/'))],
    ['an equals sign in the secret', format.format(keyId, replaceAt(secret, SECRET_LENGTH - 1, '='))],
    ['a dot in the key id', format.format(replaceAt(keyId, 0, '.'), secret)],
    ['a percent sign in the secret', format.format(keyId, replaceAt(secret, 0, '%'))],
    ['a non-ASCII letter in the secret', format.format(keyId, replaceAt(secret, 0, 'é'))],
    ['a hyphen in the checksum', replaceAt(key, CHECKSUM_START + 2, '-')],
    ['an asterisk in the key id', format.format(replaceAt(keyId, 0, '*'), secret)],
  ])('a character outside base62 (checksum valid where it can be): %s', async (_label, presented) => {
    await expectDeniedWithoutRead(`Bearer ${presented}`);
  });

  it.each<[string, string]>([
    ['one checksum character changed', replaceAt(key, CHECKSUM_START, otherBase62(key, CHECKSUM_START))],
    ['the last checksum character changed', replaceAt(key, key.length - 1, otherBase62(key, key.length - 1))],
    ['one secret character changed, checksum kept', replaceAt(key, SECRET_START + 20, otherBase62(key, SECRET_START + 20))],
    ['one key id character changed, checksum kept', replaceAt(key, ID_START + 7, otherBase62(key, ID_START + 7))],
    ['two adjacent secret characters swapped', swapAdjacentDistinct(key, SECRET_START)],
    ['the checksum of another key', key.slice(0, CHECKSUM_START) + format.generate().key.slice(-CHECKSUM_LENGTH)],
    ['the checksum reversed', key.slice(0, CHECKSUM_START) + Array.from(key.slice(CHECKSUM_START)).reverse().join('')],
  ])('a bad checksum: %s', async (_label, presented) => {
    expect(presented).not.toBe(key);
    await expectDeniedWithoutRead(`Bearer ${presented}`);
    await expectDeniedWithoutRead(basic(keyId, presented));
  });

  it('and a Basic credential whose password is malformed, whatever its user name', async () => {
    await expectDeniedWithoutRead(basic(keyId, key.slice(0, -1)));
    await expectDeniedWithoutRead(basic(keyId, `${key}:${key}`));
    await expectDeniedWithoutRead(basic(keyId, ` ${key}`));
    await expectDeniedWithoutRead(`Basic ${Buffer.from(key).toString('base64')}`);
  });
});

describe('an oversized header is denied without a store read', () => {
  const EIGHT_KB = 8 * 1024;

  it.each([
    ['8 KB of base62 after Bearer', `Bearer ${'A'.repeat(EIGHT_KB)}`],
    ['the genuine key padded to 8 KB', `Bearer ${genuine.key}${'A'.repeat(EIGHT_KB)}`],
    ['the genuine key repeated over 8 KB', `Bearer ${genuine.key.repeat(Math.ceil(EIGHT_KB / genuine.key.length))}`],
    ['8 KB of underscores', `Bearer uak_${'_'.repeat(EIGHT_KB)}`],
    ['an 8 KB Basic credential', basic(genuine.keyId, genuine.key + 'A'.repeat(EIGHT_KB))],
    ['an 8 KB Basic user name', basic('u'.repeat(EIGHT_KB), genuine.key)],
    ['1 MB of spaces and the key', `Bearer ${' '.repeat(1024 * 1024)}${genuine.key}`],
  ])('%s', async (_label, header) => {
    expect(header.length).toBeGreaterThan(EIGHT_KB);
    await expectDeniedWithoutRead(header);
  });
});

describe('a well-formed key that is not the genuine one is denied after its one store read', () => {
  it('the right key id with a wrong secret (checksum fixed up so it passes)', async () => {
    const forged = format.format(genuine.keyId, format.generate().secret);
    expect(format.parse(forged)).toMatchObject({ ok: true });
    await expect(authorize(`Bearer ${forged}`)).resolves.toEqual({ result: DENIED, reads: 1 });
  });

  it('the right key id with the secret differing only in letter case (checksum fixed up)', async () => {
    const index = Array.from(genuine.secret).findIndex((c) => /[A-Za-z]/.test(c));
    const c = genuine.secret.charAt(index);
    const flipped = replaceAt(genuine.secret, index, c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase());
    await expect(authorize(`Bearer ${format.format(genuine.keyId, flipped)}`)).resolves.toEqual({ result: DENIED, reads: 1 });
  });

  it('the right key id with an empty-looking secret of zeros (checksum fixed up)', async () => {
    await expect(authorize(`Bearer ${format.format(genuine.keyId, '0'.repeat(SECRET_LENGTH))}`)).resolves.toEqual({
      result: DENIED,
      reads: 1,
    });
  });

  it('an unknown key id is answered with exactly the response a wrong secret gets', async () => {
    const wrongSecret = await authorize(`Bearer ${format.format(genuine.keyId, format.generate().secret)}`);
    const unknownId = await authorize(`Bearer ${format.format(format.generate().keyId, genuine.secret)}`);
    const unknownKey = await authorize(`Bearer ${format.generate().key}`);
    expect(unknownId.result).toEqual(wrongSecret.result);
    expect(unknownKey.result).toEqual(wrongSecret.result);
    expect(unknownId.result).toEqual(DENIED);
    expect([wrongSecret.reads, unknownId.reads, unknownKey.reads]).toEqual([1, 1, 1]);
  });

  it("another owner's key id with the genuine secret (checksum fixed up)", async () => {
    const bob = format.generate();
    store.seed(storedKeyFor(bob, { ownerId: 'auth0|bob' }));
    await expect(authorize(`Bearer ${format.format(bob.keyId, genuine.secret)}`)).resolves.toEqual({ result: DENIED, reads: 1 });
    await expect(authorize(`Bearer ${format.format(genuine.keyId, bob.secret)}`)).resolves.toEqual({ result: DENIED, reads: 1 });
    await expect(authorize(`Bearer ${bob.key}`)).resolves.toMatchObject({ result: { isAuthorized: true, context: { sub: 'auth0|bob' } } });
  });
});

describe('the genuine key is denied once it is no longer valid', () => {
  it('expired but not yet deleted by TTL: denied from the second it expires, and long after', async () => {
    const expiresAt = NOW_SECONDS + 3600;
    now = new Date((expiresAt - 1) * 1000);
    await expect(authorize(GENUINE_HEADER)).resolves.toMatchObject({ result: { isAuthorized: true } });
    for (const seconds of [expiresAt, expiresAt + 1, expiresAt + 2 * 86_400]) {
      now = new Date(seconds * 1000);
      await expect(authorize(GENUINE_HEADER)).resolves.toEqual({ result: DENIED, reads: 1 });
      await expect(authorize(basic(genuine.keyId, genuine.key))).resolves.toEqual({ result: DENIED, reads: 1 });
    }
  });

  it('revoked: denied on the very next request, and the answer is a plain denial', async () => {
    await expect(
      store.revokeKey(OWNER, genuine.keyId, NOW, testEvent({ keyId: genuine.keyId, ownerId: OWNER }, 'revoke', NOW), NEVER_PURGED),
    ).resolves.toEqual({ outcome: 'written' });
    await expect(authorize(GENUINE_HEADER)).resolves.toEqual({ result: DENIED, reads: 1 });
    await expect(authorize(basic(genuine.keyId, genuine.key))).resolves.toEqual({ result: DENIED, reads: 1 });
  });

  it('revoked with a revocation time in the future is still revoked', async () => {
    store.seed(storedKeyFor(genuine, { revokedAt: new Date(NOW.getTime() + 86_400_000).toISOString() }));
    await expect(authorize(GENUINE_HEADER)).resolves.toEqual({ result: DENIED, reads: 1 });
  });
});

describe('Basic credentials must name the key they carry', () => {
  it.each<[string, () => string]>([
    ['another user name', () => basic('alice', genuine.key)],
    ["the owner's sub as user name", () => basic(OWNER, genuine.key)],
    ['another key id', () => basic(format.generate().keyId, genuine.key)],
    ['the key id in another case', () => basic(genuine.keyId.toLowerCase(), genuine.key)],
    ['the key id with a trailing space', () => basic(`${genuine.keyId} `, genuine.key)],
    ['an empty user name', () => basic('', genuine.key)],
    ['the whole key as user name', () => basic(genuine.key, genuine.key)],
    ['user and password swapped', () => basic(genuine.key, genuine.keyId)],
  ])('the genuine key with %s is denied without a store read', async (_label, header) => {
    await expectDeniedWithoutRead(header());
  });

  it('the right user name with a wrong secret is denied', async () => {
    const forged = format.format(genuine.keyId, format.generate().secret);
    await expect(authorize(basic(genuine.keyId, forged))).resolves.toEqual({ result: DENIED, reads: 1 });
  });
});

describe('a stored item with missing or mistyped fields is denied, never thrown on', () => {
  /** A store that holds raw DynamoDB items and reads them as DynamoKeyStore does, through toStoredKey. */
  class RawItemStore implements Pick<KeyStore, 'getKey'> {
    readonly items = new Map<string, Record<string, unknown>>();
    getKeyCalls = 0;
    getKey(keyId: string): Promise<StoredKey | undefined> {
      this.getKeyCalls += 1;
      const item = this.items.get(keyId);
      return Promise.resolve(item === undefined ? undefined : toStoredKey(structuredClone(item)));
    }
  }

  const genuineItem = (): Record<string, unknown> => toItem(storedKeyFor(genuine));
  const without = (field: string) => (item: Record<string, unknown>) => {
    Reflect.deleteProperty(item, field);
  };
  const withValue = (field: string, value: unknown) => (item: Record<string, unknown>) => {
    item[field] = value;
  };

  async function authorizeAgainst(item: Record<string, unknown>): Promise<AuthorizerResult> {
    const raw = new RawItemStore();
    raw.items.set(genuine.keyId, item);
    const rawHandler = createAuthorizerHandler({
      verifier: new KeyVerifier({ store: raw, format, clock: () => NOW }),
      logger: silentLogger,
    });
    const result = await rawHandler(authorizerEvent(GENUINE_HEADER));
    expect(raw.getKeyCalls).toBe(1);
    return result;
  }

  it('(control) the genuine item, read the same way, is allowed', async () => {
    await expect(authorizeAgainst(genuineItem())).resolves.toMatchObject({ isAuthorized: true, context: { sub: OWNER } });
  });

  it.each<[string, (item: Record<string, unknown>) => void]>([
    ['no partition key', without(TABLE.partitionKey)],
    ['a partition key that is not the key id', withValue(TABLE.partitionKey, 'someone-else')],
    ['no keyId', without('keyId')],
    ['a keyId that is not the partition key', withValue('keyId', format.generate().keyId)],
    ['no ownerId', without('ownerId')],
    ['a numeric ownerId', withValue('ownerId', 42)],
    ['a null ownerId', withValue('ownerId', null)],
    ['an ownerId that is an object', withValue('ownerId', { S: OWNER })],
    ['no secretHash', without('secretHash')],
    ['a null secretHash', withValue('secretHash', null)],
    ['a secretHash as binary', withValue('secretHash', Buffer.from(hashSecret(genuine.secret), 'hex'))],
    ['a secretHash that is the secret itself', withValue('secretHash', genuine.secret)],
    ['an empty secretHash', withValue('secretHash', '')],
    ['a truncated secretHash', withValue('secretHash', hashSecret(genuine.secret).slice(0, 32))],
    ['no name', without('name')],
    ['a numeric name', withValue('name', 7)],
    ['no scopes', without('scopes')],
    ['scopes as a string', withValue('scopes', 'orders:read')],
    ['scopes as a string set', withValue('scopes', new Set(['orders:read']))],
    ['scopes holding a number', withValue('scopes', ['orders:read', 1])],
    ['no createdAt', without('createdAt')],
    ['a numeric createdAt', withValue('createdAt', NOW_SECONDS)],
    ['no expiresAt', without('expiresAt')],
    ['expiresAt as a numeric string far in the future', withValue('expiresAt', '99999999999')],
    ['expiresAt as an ISO string', withValue('expiresAt', '2099-01-01T00:00:00Z')],
    ['expiresAt null', withValue('expiresAt', null)],
    ['expiresAt not a whole number', withValue('expiresAt', NOW_SECONDS + 3600.5)],
    ['expiresAt NaN', withValue('expiresAt', Number.NaN)],
    ['expiresAt Infinity', withValue('expiresAt', Number.POSITIVE_INFINITY)],
    ['expiresAt negative', withValue('expiresAt', -1)],
    ['expiresAt beyond the year 9999', withValue('expiresAt', 1e15)],
    ['expiresAt as a bigint', withValue('expiresAt', BigInt(NOW_SECONDS + 3600))],
    ['revokedAt null', withValue('revokedAt', null)],
    ['revokedAt as a number', withValue('revokedAt', NOW_SECONDS)],
    ['revokedAt false', withValue('revokedAt', false)],
    ['revokedAt as an empty string', withValue('revokedAt', '')],
    ['lastUsedAt as a number', withValue('lastUsedAt', NOW_SECONDS)],
  ])('%s', async (_label, corrupt) => {
    const item = genuineItem();
    corrupt(item);
    await expect(authorizeAgainst(item)).resolves.toEqual(DENIED);
  });

  it('an item that is not a key at all (the owner item) is denied', async () => {
    await expect(
      authorizeAgainst({ [TABLE.partitionKey]: genuine.keyId, activeKeys: { [genuine.keyId]: NOW_SECONDS + 3600 } }),
    ).resolves.toEqual(DENIED);
  });
});

describe('fuzzing (fast-check)', () => {
  const RUNS = 2000;
  const anyCodePoint = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 });
  const nastyChar = fc.constantFrom(
    ' ',
    '\t',
    '\n',
    '\r',
    '\u0000',
    '\u00a0',
    '\u200b',
    '\u200d',
    '\ufeff',
    '\u0430',
    '\uff10',
    '_',
    '%',
    ':',
    ',',
  );
  const base62Char = fc.constantFrom(...Array.from(BASE62));
  const oneChar = fc.oneof(base62Char, anyCodePoint, nastyChar);

  /** The one thing that must be allowed: the genuine key, with the scheme in any letter case. */
  const isGenuine = (header: string): boolean => /^bearer $/i.test(header.slice(0, 7)) && header.slice(7) === genuine.key;

  it(`arbitrary strings as the header never throw and are never allowed (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), async (header) => {
        const { result } = await authorize(header);
        expect(result).toEqual(DENIED);
      }),
      { numRuns: RUNS },
    );
  });

  it(`arbitrary Unicode after each scheme, and key-shaped noise, never throw and are never allowed (${RUNS} runs)`, async () => {
    const header = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 120 }).map((s) => `Bearer ${s}`),
      fc.string({ unit: 'grapheme', maxLength: 120 }).map((s) => `Bearer uak_${s}`),
      fc.string({ unit: 'binary', maxLength: 120 }).map((s) => `Basic ${s}`),
      fc.base64String({ maxLength: 200 }).map((s) => `Basic ${s}`),
      fc
        .tuple(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 90 }))
        .map(([user, password]) => basic(user, password)),
      fc
        .tuple(
          fc.string({ unit: base62Char, minLength: KEY_ID_LENGTH, maxLength: KEY_ID_LENGTH }),
          fc.string({ unit: base62Char, minLength: SECRET_LENGTH + CHECKSUM_LENGTH, maxLength: SECRET_LENGTH + CHECKSUM_LENGTH }),
        )
        .map(([id, rest]) => `Bearer uak_${id}_${rest}`),
    );
    await fc.assert(
      fc.asyncProperty(header, async (h) => {
        const { result } = await authorize(h);
        expect(result).toEqual(DENIED);
      }),
      { numRuns: RUNS },
    );
  });

  it(`a one-character substitution, insertion or deletion anywhere in "Bearer <key>" is never allowed, and never read from the store (${RUNS} runs)`, async () => {
    const mutation = fc.record({
      op: fc.constantFrom('substitute', 'insert', 'delete'),
      index: fc.nat({ max: GENUINE_HEADER.length }),
      char: oneChar,
    });
    await fc.assert(
      fc.asyncProperty(mutation, async ({ op, index, char }) => {
        const at = Math.min(index, GENUINE_HEADER.length - (op === 'insert' ? 0 : 1));
        const mutated =
          op === 'substitute'
            ? replaceAt(GENUINE_HEADER, at, char)
            : op === 'insert'
              ? insertAt(GENUINE_HEADER, at, char)
              : removeAt(GENUINE_HEADER, at);
        const { result, reads } = await authorize(mutated);
        if (isGenuine(mutated)) {
          // Substituting a scheme letter by its other case, or a character by itself.
          expect(result.isAuthorized).toBe(true);
        } else {
          expect(result).toEqual(DENIED);
          expect(reads).toBe(0);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it(`a well-formed key (valid checksum) is allowed only when it is exactly the genuine key (${RUNS} runs)`, async () => {
    const part = (length: number, real: string) =>
      fc.oneof(
        { weight: 1, arbitrary: fc.constant(real) },
        { weight: 3, arbitrary: fc.string({ unit: base62Char, minLength: length, maxLength: length }) },
        {
          weight: 3,
          arbitrary: fc.tuple(fc.nat({ max: length - 1 }), base62Char).map(([i, c]) => replaceAt(real, i, c)),
        },
      );
    const candidate = fc.record({
      keyId: part(KEY_ID_LENGTH, genuine.keyId),
      secret: part(SECRET_LENGTH, genuine.secret),
      scheme: fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic'),
    });
    let allowedCount = 0;
    await fc.assert(
      fc.asyncProperty(candidate, async ({ keyId, secret, scheme }) => {
        const key = format.format(keyId, secret);
        const header = scheme === 'Basic' ? basic(keyId, key) : `${scheme} ${key}`;
        const { result, reads } = await authorize(header);
        expect(reads).toBe(1);
        if (key === genuine.key) {
          allowedCount += 1;
          expect(result).toEqual({
            isAuthorized: true,
            context: { sub: OWNER, keyId: genuine.keyId, scopes: SCOPES, scope: SCOPES.join(' ') },
          });
        } else {
          expect(result).toEqual(DENIED);
        }
      }),
      { numRuns: RUNS },
    );
    // The property saw the genuine key too, so "allowed only when genuine" was tested both ways.
    expect(allowedCount).toBeGreaterThan(0);
  });
});

/** The key with two adjacent, different characters swapped, from `from` on. */
function swapAdjacentDistinct(key: string, from: number): string {
  for (let i = from; i < key.length - 1; i += 1) {
    if (key.charAt(i) !== key.charAt(i + 1)) return key.slice(0, i) + key.charAt(i + 1) + key.charAt(i) + key.slice(i + 2);
  }
  throw new Error('no two adjacent distinct characters');
}
