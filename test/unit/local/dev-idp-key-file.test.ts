import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { startDevIdentityProvider, type DevIdentityProvider } from '../../../local/dev-identity-provider';
import { AUDIENCE } from './dev-idp-browser';

/**
 * keyFile: the signing key (kid included) is kept across restarts, so tokens
 * and logins from before a restart still verify; written 0600; a file that is
 * not a key is an error naming it, and is left as it was.
 */

let dir: string;
const running: DevIdentityProvider[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dev-idp-key-'));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((provider) => provider.stop()));
  await rm(dir, { recursive: true, force: true });
});

async function start(keyFile: string | undefined): Promise<DevIdentityProvider> {
  const provider = await startDevIdentityProvider({ port: 0, audience: AUDIENCE, keyFile });
  running.push(provider);
  return provider;
}

async function jwks(provider: DevIdentityProvider): Promise<JSONWebKeySet> {
  return (await (await fetch(provider.jwksUri)).json()) as JSONWebKeySet;
}

describe('keyFile', () => {
  it('keeps the key across a restart: same kid, and a token from before verifies after', async () => {
    const keyFile = join(dir, 'nested', 'data', 'dev-idp-signing-key.json');
    const first = await start(keyFile);
    const token = await first.issueToken('auth0|alice');
    const firstKeys = await jwks(first);
    await first.stop();

    const second = await start(keyFile);
    const secondKeys = await jwks(second);
    expect(secondKeys).toEqual(firstKeys);
    expect(decodeProtectedHeader(await second.issueToken('bob')).kid).toBe(firstKeys.keys[0]!.kid);
    const { payload } = await jwtVerify(token, createLocalJWKSet(secondKeys), { audience: AUDIENCE, algorithms: ['RS256'] });
    expect(payload.sub).toBe('auth0|alice');
  });

  it('writes the private key with mode 0600, and serves only the public half', async () => {
    const keyFile = join(dir, 'dev-idp-signing-key.json');
    const provider = await start(keyFile);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(await readFile(keyFile, 'utf8'));
    expect(saved).toMatchObject({ kty: 'RSA', kid: expect.any(String), d: expect.any(String) });
    const served = (await jwks(provider)).keys[0]!;
    expect(served.kid).toBe(saved.kid);
    expect(served).not.toHaveProperty('d');
    expect(served).not.toHaveProperty('p');
  });

  it('makes a new key each start without a keyFile', async () => {
    const first = await start(undefined);
    const second = await start(undefined);
    expect((await jwks(first)).keys[0]!.kid).not.toBe((await jwks(second)).keys[0]!.kid);
  });

  it.each([
    ['not JSON', () => '{"kty":"RSA", "d": "secret-part'],
    ['not an RSA key', () => JSON.stringify({ kty: 'EC', kid: 'k' })],
    ['a key without its kid', (jwk: Record<string, unknown>) => JSON.stringify({ ...jwk, kid: undefined })],
    ['a public key only', (jwk: Record<string, unknown>) => JSON.stringify({ ...jwk, d: undefined })],
    [
      'halves that do not belong together',
      (jwk: Record<string, unknown>, other: Record<string, unknown>) => JSON.stringify({ ...jwk, n: other.n }),
    ],
  ])('refuses a file that is %s, naming it, never quoting it, and leaves it alone', async (_name, content) => {
    const good = join(dir, 'good.json');
    const other = join(dir, 'other.json');
    await (await start(good)).stop();
    await (await start(other)).stop();
    const jwk = JSON.parse(await readFile(good, 'utf8'));
    const text = content(jwk, JSON.parse(await readFile(other, 'utf8')));
    const keyFile = join(dir, 'dev-idp-signing-key.json');
    await writeFile(keyFile, text, { mode: 0o600 });
    const failure = start(keyFile);
    await expect(failure).rejects.toThrow(`signing key file ${keyFile} is corrupt`);
    const message = await failure.catch((error: unknown) => (error as Error).message);
    expect(message).not.toContain('secret-part');
    expect(message).not.toContain(String(jwk.d));
    expect(await readFile(keyFile, 'utf8')).toBe(text);
  });

  it('refuses a relative keyFile', async () => {
    await expect(start('dev-idp-signing-key.json')).rejects.toThrow('absolute path');
  });

  it('names the file it cannot read', async () => {
    await expect(start(dir)).rejects.toThrow(`Cannot read the development IdP's signing key file ${dir}`);
  });
});
