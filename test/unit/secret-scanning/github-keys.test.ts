import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkedKeysUrl, GITHUB_KEYS_USER_AGENT, GitHubKeys, parseKeysDocument } from '../../../lambdas/auth/github-keys';
import { verifyGitHubSignature } from '../../../lambdas/auth/github-signature';
import { DependencyUnavailableError } from '../../../lambdas/domain/errors';
import { rejection } from '../../support/domain-errors';
import { FakeGitHub, newGitHubKey, signBody } from '../../support/fake-github';

let github: FakeGitHub;
let clockMs: number;
beforeEach(async () => {
  github = await FakeGitHub.start();
  clockMs = Date.UTC(2030, 0, 1);
});
afterEach(async () => {
  await github.stop();
});

const keysAt = (url = github.url, options: { timeoutMs?: number } = {}) => new GitHubKeys({ url, now: () => clockMs, ...options });

describe('GitHubKeys', () => {
  it('fetches the document once, with a User-Agent (GitHub refuses requests without one), and keeps it', async () => {
    const keys = keysAt();
    expect(await keys.keyFor(github.key.id)).toBeDefined();
    expect(await keys.keyFor(github.key.id)).toBeDefined();
    expect(github.fetches).toBe(1);
    expect(github.requestHeaders[0]?.['user-agent']).toBe(GITHUB_KEYS_USER_AGENT);
  });

  it('on an unknown identifier refetches once, and not again within the minute; a refetch replaces the keys', async () => {
    const keys = keysAt();
    const old = github.key;
    expect(await keys.keyFor(old.id)).toBeDefined();
    const added = newGitHubKey();
    github.keys = [added];

    // Within the minute: no refetch, the new key is not known yet.
    clockMs += 59_999;
    expect(await keys.keyFor(added.id)).toBeUndefined();
    expect(github.fetches).toBe(1);

    clockMs += 1;
    expect(await keys.keyFor(added.id)).toBeDefined();
    expect(github.fetches).toBe(2);
    // The document no longer has the old key: it is gone from the cache too.
    expect(await keys.keyFor(old.id)).toBeUndefined();
    expect(github.fetches).toBe(2);
  });

  it('sends the ETag back, and a 304 keeps the keys in hand', async () => {
    github.etag = '"v1"';
    const keys = keysAt();
    expect(await keys.keyFor(github.key.id)).toBeDefined();
    clockMs += 60_000;
    expect(await keys.keyFor('not-a-key')).toBeUndefined();
    expect(github.fetches).toBe(2);
    expect(github.requestHeaders[1]?.['if-none-match']).toBe('"v1"');
    expect(await keys.keyFor(github.key.id)).toBeDefined();
  });

  it('a refetch that fails keeps the keys it had, and counts against the bound', async () => {
    const keys = keysAt();
    expect(await keys.keyFor(github.key.id)).toBeDefined();
    clockMs += 60_000;
    github.failWith = { status: 502 };
    await expect(keys.keyFor('unknown')).rejects.toMatchObject({ code: 'GITHUB_KEYS_UNAVAILABLE' });
    expect(await keys.keyFor(github.key.id)).toBeDefined();
    expect(await keys.keyFor('unknown')).toBeUndefined();
    expect(github.fetches).toBe(2);
  });

  it('concurrent callers share one fetch', async () => {
    const keys = keysAt();
    const found = await Promise.all(Array.from({ length: 25 }, () => keys.keyFor(github.key.id)));
    expect(found.every((key) => key !== undefined)).toBe(true);
    expect(github.fetches).toBe(1);
  });

  it('a caller that meets a refetch in flight waits for it: a key GitHub just added verifies for both', async () => {
    const keys = keysAt();
    expect(await keys.keyFor(github.key.id)).toBeDefined();
    const added = newGitHubKey();
    github.keys = [added];
    clockMs += 60_000;
    const found = await Promise.all([keys.keyFor(added.id), keys.keyFor(added.id), keys.keyFor(added.id)]);
    expect(found.every((key) => key !== undefined)).toBe(true);
    expect(github.fetches).toBe(2);
  });

  it('prime() starts the first fetch (a cold start), shared with the first use; a failed prime is retried by it', async () => {
    const keys = keysAt();
    keys.prime();
    keys.prime();
    expect(await keys.keyFor(github.key.id)).toBeDefined();
    expect(github.fetches).toBe(1);

    github.failWith = { status: 503 };
    const cold = keysAt();
    cold.prime();
    await new Promise((resolve) => setTimeout(resolve, 50));
    github.failWith = undefined;
    // Within the 10 s cool-down of the failed prime: fail fast, no fetch.
    clockMs += 9_999;
    await expect(cold.keyFor(github.key.id)).rejects.toMatchObject({ code: 'GITHUB_KEYS_UNAVAILABLE' });
    cold.prime();
    expect(github.fetches).toBe(2);
    clockMs += 1;
    expect(await cold.keyFor(github.key.id)).toBeDefined();
    expect(github.fetches).toBe(3);
  });

  it('never loaded (GitHub refusing with 403): 100 requests within 10 s cost one fetch and fail fast with 503; after 10 s one more', async () => {
    github.failWith = { status: 403 };
    const keys = keysAt();
    const startMs = clockMs;
    // 50 at once share the one fetch; 50 more over the next 9.9 s do not fetch at all.
    const first = await Promise.all(Array.from({ length: 50 }, (_, i) => rejection(keys.keyFor(`made-up-${i}`))));
    expect(github.fetches).toBe(1);
    for (let i = 0; i < 50; i += 1) {
      clockMs = startMs + i * 198;
      first.push(await rejection(keys.keyFor(i % 2 === 0 ? `made-up-${i}` : github.key.id)));
    }
    expect(first).toHaveLength(100);
    for (const seen of first) {
      expect(seen.error).toBeInstanceOf(DependencyUnavailableError);
      expect(seen).toMatchObject({ status: 503, code: 'GITHUB_KEYS_UNAVAILABLE' });
    }
    expect(github.fetches).toBe(1);

    // 10 s after the failure: one more fetch, shared by concurrent callers, and this time GitHub answers.
    github.failWith = undefined;
    clockMs = startMs + 10_000;
    const found = await Promise.all([keys.keyFor(github.key.id), keys.keyFor(github.key.id), keys.keyFor('made-up')]);
    expect(found.map((key) => key !== undefined)).toEqual([true, true, false]);
    expect(github.fetches).toBe(2);
  });

  it('a failed refetch keeps the cached keys verifying, and is followed by the full minute’s cool-down', async () => {
    const body = Buffer.from('[{"token":"t","type":"x"}]');
    const keys = keysAt();
    expect(await keys.keyFor(github.key.id)).toBeDefined();
    const startMs = clockMs;
    clockMs = startMs + 60_000;
    github.failWith = { status: 403 };
    await expect(keys.keyFor('made-up')).rejects.toMatchObject({ code: 'GITHUB_KEYS_UNAVAILABLE' });
    expect(github.fetches).toBe(2);

    // Not the 10 s cold-start cool-down: keys are cached, so a minute.
    clockMs = startMs + 60_000 + 10_000;
    for (let i = 0; i < 20; i += 1) {
      await expect(
        verifyGitHubSignature(keys, { keyIdentifier: github.key.id, signature: signBody(github.key, body) }, body),
      ).resolves.toBeUndefined();
      expect(await keys.keyFor(`made-up-${i}`)).toBeUndefined();
    }
    expect(github.fetches).toBe(2);

    github.failWith = undefined;
    clockMs = startMs + 120_000;
    expect(await keys.keyFor('made-up')).toBeUndefined();
    expect(github.fetches).toBe(3);
  });

  it('a known identifier is answered from the cache at once while a slow refetch is in flight; the refetch still replaces the cache', async () => {
    const first = github.key;
    const added = newGitHubKey();
    const answer = (keys: typeof github.keys) =>
      new Response(JSON.stringify({ public_keys: keys.map((key) => ({ key_identifier: key.id, key: key.publicPem, is_current: true })) }), {
        status: 200,
      });
    let release: (() => void) | undefined;
    let calls = 0;
    const fetchFn = jest.fn(() => {
      calls += 1;
      if (calls === 1) return Promise.resolve(answer([first]));
      return new Promise<Response>((resolve) => {
        release = () => {
          resolve(answer([added]));
        };
      });
    });
    const keys = new GitHubKeys({ url: 'https://keys.example.test/keys', fetch: fetchFn as unknown as typeof fetch, now: () => clockMs });
    expect(await keys.keyFor(first.id)).toBeDefined();

    clockMs += 60_000;
    const waiting = keys.keyFor(added.id);
    await new Promise((resolve) => setImmediate(resolve));
    expect(fetchFn).toHaveBeenCalledTimes(2);
    let timer: NodeJS.Timeout | undefined;
    const tooLate = new Promise<'waited'>((resolve) => {
      timer = setTimeout(() => {
        resolve('waited');
      }, 200);
    });
    const known = await Promise.race([keys.keyFor(first.id), tooLate]);
    clearTimeout(timer);
    expect(known).not.toBe('waited');
    expect(known).toBeDefined();

    release?.();
    expect(await waiting).toBeDefined();
    expect(await keys.keyFor(first.id)).toBeUndefined();
    expect(fetchFn).toHaveBeenCalledTimes(2);
  });

  it('a fetch that takes too long is abandoned: 503', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const keys = keysAt(`http://127.0.0.1:${port}/meta/public_keys/secret_scanning`, { timeoutMs: 100 });
      const seen = await rejection(keys.keyFor('any'));
      expect(seen.error).toBeInstanceOf(DependencyUnavailableError);
      expect(seen).toMatchObject({ status: 503, code: 'GITHUB_KEYS_UNAVAILABLE' });
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('uses the injected fetch', async () => {
    const fetchFn = jest.fn(() => Promise.resolve(new Response(JSON.stringify(github.document()), { status: 200 })));
    const keys = new GitHubKeys({ url: 'https://keys.example.test/keys', fetch: fetchFn as unknown as typeof fetch });
    expect(await keys.keyFor(github.key.id)).toBeDefined();
    expect(fetchFn).toHaveBeenCalledTimes(1);
    expect(github.fetches).toBe(0);
  });
});

describe('the keys URL', () => {
  it.each(['https://api.github.com/meta/public_keys/secret_scanning', 'http://127.0.0.1:8080/keys', 'http://[::1]:9/keys'])(
    'accepts %s',
    (url) => {
      expect(checkedKeysUrl(url).href).toBe(new URL(url).href);
    },
  );

  it.each([
    'http://api.github.com/meta/public_keys/secret_scanning',
    'http://localhost/keys',
    'http://10.0.0.1/keys',
    'http://127.0.0.1.example.com/keys',
    'ftp://127.0.0.1/keys',
    'file:///etc/passwd',
  ])('refuses %s (http only to a loopback address), in code as in the settings', (url) => {
    expect(() => checkedKeysUrl(url)).toThrow(/https/);
    expect(() => new GitHubKeys({ url })).toThrow(/https/);
  });
});

describe('the keys document', () => {
  const p256 = newGitHubKey();
  const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const p384Pem = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const entry = (id: string, key: unknown) => ({ key_identifier: id, key, is_current: true });

  it('keeps the P-256 keys and leaves out the others (RSA, P-384, not a key)', () => {
    const keys = parseKeysDocument(
      JSON.stringify({
        public_keys: [
          entry('rsa', rsaPem),
          entry('p384', p384Pem),
          entry('junk', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'),
          entry(p256.id, p256.publicPem),
        ],
      }),
    );
    expect(typeof keys).not.toBe('string');
    expect([...(keys as Map<string, unknown>).keys()]).toEqual([p256.id]);
  });

  it.each([
    ['not JSON', '<html>'],
    ['no public_keys', '{}'],
    ['public_keys not an array', '{"public_keys":{}}'],
    ['an entry not an object', '{"public_keys":[1]}'],
    ['an entry without key_identifier', JSON.stringify({ public_keys: [{ key: p256.publicPem }] })],
    ['an entry without key', JSON.stringify({ public_keys: [{ key_identifier: 'x' }] })],
    ['no P-256 key at all', JSON.stringify({ public_keys: [entry('rsa', rsaPem)] })],
    ['no keys', '{"public_keys":[]}'],
  ])('%s is a fault', (_what, text) => {
    expect(typeof parseKeysDocument(text)).toBe('string');
  });
});

describe('verifyGitHubSignature', () => {
  const body = Buffer.from('[{"token":"t","type":"x"}]');

  it('accepts GitHub’s signature over the raw bytes, from a key the document names', async () => {
    const keys = keysAt();
    await expect(
      verifyGitHubSignature(keys, { keyIdentifier: github.key.id, signature: signBody(github.key, body) }, body),
    ).resolves.toBeUndefined();
  });

  it('accepts a key that is not the current one while the document still lists it', async () => {
    const previous = newGitHubKey();
    github.keys = [newGitHubKey(), previous];
    await expect(
      verifyGitHubSignature(keysAt(), { keyIdentifier: previous.id, signature: signBody(previous, body) }, body),
    ).resolves.toBeUndefined();
  });

  it('refuses a DER signature with a flipped byte, and one for a P-256 key GitHub does not hold', async () => {
    const keys = keysAt();
    const der = Buffer.from(signBody(github.key, body), 'base64');
    der[der.length - 1] = (der[der.length - 1] ?? 0) ^ 1;
    await expect(
      verifyGitHubSignature(keys, { keyIdentifier: github.key.id, signature: der.toString('base64') }, body),
    ).rejects.toMatchObject({
      code: 'INVALID_SIGNATURE',
    });
    await expect(
      verifyGitHubSignature(keys, { keyIdentifier: github.key.id, signature: signBody(newGitHubKey(), body) }, body),
    ).rejects.toMatchObject({ code: 'INVALID_SIGNATURE' });
  });

  it('refuses an identifier with control characters without a fetch', async () => {
    await expect(
      verifyGitHubSignature(keysAt(), { keyIdentifier: 'a\nb', signature: signBody(github.key, body) }, body),
    ).rejects.toMatchObject({ code: 'INVALID_SIGNATURE' });
    expect(github.fetches).toBe(0);
  });
});
