import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GitHubKeys } from '../../../lambdas/auth/github-keys';
import { verifyGitHubSignature } from '../../../lambdas/auth/github-signature';
import { KeyFormat } from '../../../lambdas/domain/key-format';
import { LeakRevocation } from '../../../lambdas/domain/leak-revocation';
import { hashSecret } from '../../../lambdas/domain/secret-hash';
import { createSecretScanningHandler } from '../../../lambdas/handlers/secret-scanning';
import { DEV_GITHUB_KEY_FILE, loadOrCreateDevGitHubKey, startDevGitHub, type DevGitHub } from '../../../local/dev-github';
import { runGitHubAlertCli } from '../../../scripts/github-alert';
import { InMemoryKeyStore } from '../../support/in-memory-key-store';
import { storedTestKey, testKeyPolicy } from '../../support/key-policy';
import { managementEvent } from '../../support/management-event';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'dev-github-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('the development GitHub', () => {
  let github: DevGitHub | undefined;
  afterEach(async () => {
    await github?.stop();
    github = undefined;
  });

  it('serves the keys document on 127.0.0.1 and signs bodies that GitHubKeys and the verifier accept', async () => {
    github = await startDevGitHub({ port: 0 });
    expect(github.keysUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/meta\/public_keys\/secret_scanning$/);
    const document = (await (await fetch(github.keysUrl)).json()) as { public_keys: { key_identifier: string; is_current: boolean }[] };
    expect(document.public_keys).toEqual([expect.objectContaining({ key_identifier: github.keyIdentifier, is_current: true })]);
    expect((await fetch(github.keysUrl.replace('secret_scanning', 'other'))).status).toBe(404);

    const body = Buffer.from('[{"token":"x","type":"y"}]');
    const { keyIdentifier, signature } = github.sign(body);
    await expect(
      verifyGitHubSignature(new GitHubKeys({ url: github.keysUrl }), { keyIdentifier, signature }, body),
    ).resolves.toBeUndefined();
  });

  it('keeps its key in the key file (0600), so a restart signs with the same key', async () => {
    const keyFile = join(dataDir, 'nested', DEV_GITHUB_KEY_FILE);
    github = await startDevGitHub({ port: 0, keyFile });
    const first = github.keyIdentifier;
    await github.stop();
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(keyFile, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);

    github = await startDevGitHub({ port: 0, keyFile });
    expect(github.keyIdentifier).toBe(first);
  });

  it('refuses a key file that is not a P-256 key, naming the file and quoting none of it', async () => {
    const keyFile = join(dataDir, DEV_GITHUB_KEY_FILE);
    await writeFile(keyFile, 'someone-elses-secret-material');
    await expect(startDevGitHub({ port: 0, keyFile })).rejects.toThrow(keyFile);
    await expect(startDevGitHub({ port: 0, keyFile })).rejects.not.toThrow('someone-elses');
    expect(await readFile(keyFile, 'utf8')).toBe('someone-elses-secret-material');
  });

  it('wants an absolute key file path', async () => {
    await expect(startDevGitHub({ port: 0, keyFile: 'relative.pem' })).rejects.toThrow(/absolute/);
  });
});

describe('npm run github-alert', () => {
  const format = new KeyFormat('uak');
  let github: DevGitHub;
  let gateway: Server;
  let gatewayUrl: string;
  let store: InMemoryKeyStore;

  beforeEach(async () => {
    github = await startDevGitHub({ port: 0, keyFile: join(dataDir, DEV_GITHUB_KEY_FILE) });
    store = new InMemoryKeyStore();
    const handler = createSecretScanningHandler({
      keys: new GitHubKeys({ url: github.keysUrl }),
      revocation: new LeakRevocation({ store, format, policy: testKeyPolicy() }),
      logger: { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() },
    });
    // Just enough of the local gateway: the request as an API Gateway event.
    gateway = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const event = managementEvent('POST /secret-scanning/github', { body: Buffer.concat(chunks).toString('utf8') });
        void handler({ ...event, headers: request.headers as Record<string, string> }).then((answer) => {
          response.writeHead(answer.statusCode, answer.headers as Record<string, string>);
          response.end(answer.body);
        });
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/secret-scanning/github`;
  });
  afterEach(async () => {
    await github.stop();
    gateway.closeAllConnections();
    await new Promise((resolve) => gateway.close(resolve));
  });

  function leakedKey(): { token: string; keyId: string } {
    const generated = format.generate();
    const now = new Date();
    store.seed(storedTestKey('auth0|alice', now, { keyId: generated.keyId, secretHash: hashSecret(generated.secret) }));
    return { token: generated.key, keyId: generated.keyId };
  }

  async function run(argv: string[], stdinText = '') {
    let stdout = '';
    let stderr = '';
    const code = await runGitHubAlertCli(
      argv,
      {
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: (text: string) => (stderr += text) },
        stdin: Readable.from([stdinText]),
      },
      { DATA_DIR: dataDir },
      '/',
    );
    return { code, stdout, stderr };
  }

  it('signs an alert for a key from stdin, posts it, and prints the status and the feedback, never the key', async () => {
    const { token, keyId } = leakedKey();
    const { code, stdout, stderr } = await run(['--url', gatewayUrl], `${token}\n`);
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe('200');
    expect(JSON.parse(stdout.split('\n')[1] ?? '')).toEqual([
      { token_hash: createHash('sha256').update(token).digest('hex'), token_type: 'user_api_key', label: 'true_positive' },
    ]);
    expect(`${stdout}${stderr}`).not.toContain(token);
    expect(store.peek(keyId)?.revocation).toEqual({
      cause: 'leaked',
      url: 'https://github.com/octocat/Hello-World/blob/main/config.env',
      source: 'commit',
    });
  });

  it('takes the key as an argument too; a second alert answers false_positive and exits 0', async () => {
    const { token } = leakedKey();
    expect((await run([token, '--url', gatewayUrl])).code).toBe(0);
    const again = await run([token, '--url', gatewayUrl, '--source', 'npm']);
    expect(again.stdout).toContain('"label":"false_positive"');
  });

  it('exits 1 on a refusal: signed with a key the development GitHub does not serve, 401', async () => {
    const { token, keyId } = leakedKey();
    const keyFile = join(dataDir, DEV_GITHUB_KEY_FILE);
    await rm(keyFile);
    await loadOrCreateDevGitHubKey(keyFile);
    const refused = await run([token, '--url', gatewayUrl]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^401\n.*INVALID_SIGNATURE/);
    expect(store.peek(keyId)?.revokedAt).toBeUndefined();
  });

  it('exits 2 for bad usage', async () => {
    expect((await run(['--url', gatewayUrl], '')).code).toBe(2);
    expect((await run(['a', 'b', '--url', gatewayUrl])).code).toBe(2);
    expect((await run(['k', '--url', 'http://example.com/secret-scanning/github'])).code).toBe(2);
    await rm(join(dataDir, DEV_GITHUB_KEY_FILE));
    const missing = await run(['k', '--url', gatewayUrl]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/npm start/);
  });
});
