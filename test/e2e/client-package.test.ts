import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildClientPackage } from '../../client/build';
import { LOCAL_AUDIENCE } from '../../local/settings';
import { startTestSystem, type TestSystem } from '../support/local-system';

type ClientLibrary = typeof import('../../client/index');

const ROOT = process.cwd();
const NAME = '@user-api-keys/user-api-keys-client';
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');
/** A consumer's compiler: strict, and no types but Node.js's (from this repository's node_modules, which the consumer lacks). */
const TSC_FLAGS = [
  '--strict',
  '--target',
  'es2022',
  '--module',
  'nodenext',
  '--typeRoots',
  join(ROOT, 'node_modules', '@types'),
  '--types',
  'node',
];

const run = async (command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) => {
  try {
    return await promisify(execFile)(command, args, { cwd, env });
  } catch (error) {
    const failed = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${failed.message}\n${failed.stdout ?? ''}${failed.stderr ?? ''}`, {
      cause: error,
    });
  }
};

/**
 * The client library as its users get it: built, packed, installed from the tarball into a project of
 * its own, then required, imported, type-checked, and the README's example run as printed.
 */
describe('the client library package', () => {
  let work: string;
  let tarball: string;
  let consumer: string;
  let system: TestSystem;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'client-package-'));
    const packageDir = await buildClientPackage({ outDir: join(work, 'build'), version: VERSION });
    await run('npm', ['pack', '--silent', '--pack-destination', work], packageDir);
    tarball = join(work, `user-api-keys-user-api-keys-client-${VERSION}.tgz`);
    consumer = join(work, 'consumer');
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    // Offline: a package with no dependencies needs nothing from a registry.
    await run('npm', ['install', '--no-audit', '--no-fund', '--offline', tarball], consumer);
    system = await startTestSystem({ identity: { devPort: 0, audience: LOCAL_AUDIENCE, devicePollIntervalSeconds: 0 } });
  }, 180_000);
  afterAll(async () => {
    await system.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('is one file per format, its types, README and LICENSE, with no dependencies', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball], work);
    expect(stdout.trim().split('\n').sort()).toEqual(
      ['LICENSE', 'README.md', 'index.cjs', 'index.d.ts', 'index.mjs', 'package.json'].map((file) => `package/${file}`),
    );
    const installed = join(consumer, 'node_modules', ...NAME.split('/'));
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: NAME, version: VERSION, license: 'Apache-2.0', engines: { node: '>=20.19' } });
    expect(manifest.exports['.']).toEqual({ types: './index.d.ts', import: './index.mjs', require: './index.cjs' });
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(readdirSync(join(consumer, 'node_modules')).filter((entry) => !entry.startsWith('.'))).toEqual(['@user-api-keys']);
    // The API's types are inlined: nothing in it imports a module, this repository's or a package's.
    const types = readFileSync(join(installed, 'index.d.ts'), 'utf8');
    expect(types).not.toMatch(/\bfrom\s+['"]|\bimport\(|\brequire\(/);
    expect(types).toContain('export interface KeyView');
    expect(types).toContain('"KEY_ALREADY_ROTATED"');
  });

  it('is required from CommonJS and imported from ESM, with the same API', async () => {
    const probe = (exports: string) =>
      `const names = Object.keys(${exports}).sort(); const c = new ${exports}.KeysClient({ endpoint: 'https://x', accessToken: 't' });` +
      `console.log(JSON.stringify({ names, methods: ['createKey', 'listKeys', 'rotateKey', 'revokeKey'].map((m) => typeof c[m]),` +
      ` typed: new ${exports}.ApiError('m', { code: 'NETWORK_ERROR' }) instanceof Error }));`;
    const cjs = await run('node', ['-e', `const lib = require('${NAME}'); ${probe('lib')}`], consumer);
    const esm = await run('node', ['--input-type=module', '-e', `import * as lib from '${NAME}'; ${probe('lib')}`], consumer);
    const expected = {
      names: expect.arrayContaining(['ApiError', 'KeyStore', 'KeyStoreError', 'KeysClient', 'deviceLogin', 'exchangeKey', 'isApiError']),
      methods: ['function', 'function', 'function', 'function'],
      typed: true,
    };
    expect(JSON.parse(cjs.stdout)).toEqual(expected);
    expect(JSON.parse(esm.stdout)).toEqual({ ...expected, names: JSON.parse(cjs.stdout).names });
  });

  it('type-checks a consumer, ESM and CommonJS, against the installed types alone', async () => {
    const body = (load: string) => `${load}
export async function keysOf(client: KeysClient): Promise<string[]> {
  try {
    const keys: readonly KeyView[] = await client.listKeys({ status: ['active'] });
    return keys.map((key) => \`\${key.id} \${key.status} \${key.lastUsedAt ?? 'never'}\`);
  } catch (error) {
    if (isApiError(error, 'KEY_NOT_FOUND') || (isApiError(error) && error.code === 'HTTP_403')) return [];
    // @ts-expect-error not one of the codes
    if (isApiError(error, 'NO_SUCH_CODE')) return [];
    throw error;
  }
}
export const created = (c: CreatedKey): string => c.key;
// @ts-expect-error a KeyView has no secret
export const leaked = (v: KeyView): string => v.key;
`;
    writeFileSync(join(consumer, 'esm.mts'), body(`import { isApiError, type CreatedKey, type KeysClient, type KeyView } from '${NAME}';`));
    writeFileSync(
      join(consumer, 'cjs.cts'),
      body(
        `import lib = require('${NAME}');\nconst { isApiError } = lib;\ntype KeysClient = lib.KeysClient; type KeyView = lib.KeyView; type CreatedKey = lib.CreatedKey;`,
      ),
    );
    await run(TSC, [...TSC_FLAGS, '--noEmit', 'esm.mts', 'cjs.cts'], consumer);
  });

  it('runs the README’s example as printed: logs in, creates a key and keeps it 0600; the key works until revoked', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const example = /<!-- example:client-login:start -->\s*```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const [api, idp] = ["'http://127.0.0.1:3000'", "'http://127.0.0.1:3001'"];
    expect(example).toContain(api);
    expect(example).toContain(idp);
    const script = example!.replace(api, `'${system.gatewayUrl}'`).replace(idp, `'${system.devIdentityProvider!.url}'`);
    writeFileSync(join(consumer, 'mycli.mts'), script);
    await run(TSC, [...TSC_FLAGS, 'mycli.mts'], consumer); // type-checks it, and writes mycli.mjs
    const home = join(work, 'home');

    const first = await runExample(home, 'auth0|carol');
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/^Open http:\/\/127\.0\.0\.1:\d+\/activate\?user_code=[A-Z]{4}-[A-Z]{4} and confirm [A-Z]{4}-[A-Z]{4}\n$/);
    const whoami = JSON.parse(first.stdout);
    expect(whoami).toMatchObject({ sub: 'auth0|carol', scopes: ['read'], assertion: { verified: true } });

    const keyFile = join(home, '.config', 'mycli', 'api-key.json');
    expect(statSync(join(home, '.config', 'mycli')).mode & 0o777).toBe(0o700);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(keyFile, 'utf8'));
    expect(saved).toEqual({
      id: whoami.keyId,
      key: expect.stringMatching(/^uak_/),
      endpoint: system.gatewayUrl,
      expiresAt: expect.any(String),
    });

    // Run again: the saved key, no second login.
    const second = await runExample(home);
    expect(second).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(second.stdout).keyId).toBe(whoami.keyId);

    // The installed package, as a consumer's own code would load it.
    const lib = createRequire(join(consumer, 'package.json'))(NAME) as ClientLibrary;
    const grant = await lib.exchangeKey({ endpoint: system.gatewayUrl, key: saved.key, scopes: ['read'] });
    expect(grant).toMatchObject({ token_type: 'Bearer', scope: 'read' });
    expect((await system.call('/whoami', { token: grant.access_token })).body).toMatchObject({ sub: 'auth0|carol', keyId: whoami.keyId });

    const owner = new lib.KeysClient({ endpoint: system.gatewayUrl, accessToken: await system.tokenFor('auth0|carol') });
    expect((await owner.listKeys()).map((key) => key.id)).toEqual([whoami.keyId]);
    await owner.revokeKey(whoami.keyId);
    expect((await system.call('/whoami', { key: saved.key })).status).toBe(403);
    await expect(lib.exchangeKey({ endpoint: system.gatewayUrl, key: saved.key })).rejects.toMatchObject({
      code: 'invalid_client',
      status: 401,
    });
    await expect(owner.rotateKey(whoami.keyId)).rejects.toMatchObject({ name: 'ApiError', code: 'KEY_REVOKED', status: 409 });
  });

  /** `node mycli.mjs` with its own HOME; when `approveAs` is given, approves its device login as that user. */
  async function runExample(home: string, approveAs?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn('node', ['mycli.mjs'], {
      cwd: consumer,
      env: { PATH: process.env.PATH ?? '', HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const prompted = new Promise<string>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const userCode = /confirm ([A-Z]{4}-[A-Z]{4})/.exec(stderr)?.[1];
        if (userCode !== undefined) resolve(userCode);
      });
    });
    if (approveAs !== undefined) {
      const userCode = await Promise.race([prompted, exited.then(() => Promise.reject(new Error(`exited before its prompt: ${stderr}`)))]);
      const approval = await fetch(`${system.devIdentityProvider!.url}/activate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ user_code: userCode, user: approveAs }),
      });
      expect(approval.status).toBe(200);
    }
    const code = await exited;
    return { code, stdout, stderr };
  }
});
