import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../../lambdas/runtime/clients';
import { credentialsPath, readCredentials, SHARED_DB_CREDENTIALS } from '../../local/dynamodb-credentials';
import { freePort } from '../support/free-port';
import { npmStartResponseCheck } from '../support/local-system';

/**
 * `npm start` as a person runs it: its own DynamoDB Local with data on disk,
 * the development identity provider, the banner, Ctrl-C, and a restart that
 * keeps every key (and every revocation).
 */
describe('npm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'uak-data-'));
  let ports: { PORT: number; DEV_IDP_PORT: number; DYNAMODB_PORT: number };

  beforeAll(async () => {
    ports = { PORT: await freePort(), DEV_IDP_PORT: await freePort(), DYNAMODB_PORT: await freePort() };
  });
  const children = new Set<ChildProcess>();
  // Every answer npm start gives here is held to the OpenAPI document.
  const responses = npmStartResponseCheck();
  afterAll(() => {
    for (const child of children) child.kill('SIGKILL'); // only if a test failed half-way
    rmSync(dataDir, { recursive: true, force: true });
    responses.assertDescribed();
  });

  async function start(): Promise<{ child: ChildProcess; output: () => string }> {
    const child = spawn(join(process.cwd(), 'node_modules/.bin/tsx'), ['local/main.ts'], {
      env: {
        ...process.env,
        ...responses.env,
        ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
        DATA_DIR: dataDir,
        AUTHORIZER_CACHE_TTL_SECONDS: '0',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (output.includes('Press Ctrl-C to stop.')) {
          clearInterval(timer);
          resolve();
        }
      }, 50);
      child.once('exit', (code) => {
        clearInterval(timer);
        reject(new Error(`npm start exited with ${code}:\n${output}`));
      });
    });
    return { child, output: () => output };
  }

  async function stop(child: ChildProcess): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => {
        resolve(code);
      }),
    );
    child.kill('SIGINT');
    return exited;
  }

  const gateway = () => `http://127.0.0.1:${ports.PORT}`;
  async function tokenFor(user: string): Promise<string> {
    const response = await fetch(`http://127.0.0.1:${ports.DEV_IDP_PORT}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=${encodeURIComponent(user)}&client_secret=ignored`,
    });
    return ((await response.json()) as { access_token: string }).access_token;
  }
  async function createKey(token: string, name: string): Promise<{ id: string; key: string }> {
    const response = await fetch(`${gateway()}/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify({ name, scopes: ['read'] }), // what npm start's GET /whoami requires
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string; key: string };
  }
  const whoami = async (key: string) => (await fetch(`${gateway()}/whoami`, { headers: { authorization: `Bearer ${key}` } })).status;

  it('starts, serves the walk-through, stops on Ctrl-C, and keeps keys across a restart', async () => {
    const first = await start();
    expect(first.output()).toContain(`Gateway            ${gateway()}`);
    expect(first.output()).toContain('DEVELOPMENT ONLY');
    expect(first.output()).toContain(dataDir);

    const token = await tokenFor('auth0|restart');
    const kept = await createKey(token, 'kept');
    const revoked = await createKey(token, 'revoked');
    expect(await whoami(kept.key)).toBe(200);
    const deletion = await fetch(`${gateway()}/keys/${revoked.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    expect(deletion.status).toBe(204);
    expect(await whoami(revoked.key)).toBe(403);
    // A key pasted into a URL is refused and does not reach the access log, in any encoding; nor does a token in the query.
    expect((await fetch(`${gateway()}/keys/${kept.key}`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
    const encoded = kept.key.replace(/_/g, '%5F');
    expect((await fetch(`${gateway()}/keys/${encoded}`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
    await fetch(`${gateway()}/keys/${encoded.replace(/%/g, '%25')}?access_token=${token}`);
    await fetch(`${gateway()}/keys?q=${encodeURIComponent(kept.key)}`);
    expect(await stop(first.child)).toBe(0);
    const secretPart = (key: string) => key.split('_')[2]!;
    for (const secret of [kept.key, revoked.key, token, secretPart(kept.key), token.split('.')[2]!])
      expect(first.output()).not.toContain(secret);

    const second = await start();
    expect(await whoami(kept.key)).toBe(200);
    expect(await whoami(revoked.key)).toBe(403);
    const list = await fetch(`${gateway()}/keys`, { headers: { authorization: `Bearer ${await tokenFor('auth0|restart')}` } });
    const statuses = ((await list.json()) as { keys: { id: string; status: string }[] }).keys.map((k) => [k.id, k.status]);
    expect(statuses).toEqual(
      expect.arrayContaining([
        [kept.id, 'active'],
        [revoked.id, 'revoked'],
      ]),
    );
    expect(await stop(second.child)).toBe(0);
  });

  it('prints a key pattern with the real prefix and a Try-it block that works as pasted', async () => {
    const { child, output } = await start();
    try {
      expect(output()).toContain('Key pattern        \\buak_[0-9A-Za-z]{22}_[0-9A-Za-z]{49}\\b');
      const block = /Try it \(bash[^\n]*\n([\s\S]*?)\nOr from the command line/.exec(output())?.[1];
      expect(block).toBeDefined();
      const script = block!.replace(/^ {2}/gm, '');
      const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script]);
      const [whoamiLine, listLine, ...rest] = stdout.trim().split('\n');
      const whoamiAnswer = JSON.parse(whoamiLine!) as { sub: string; keyId: string; scopes: string[] };
      // The sample backend answers from the gateway's assertion, which it verified against the gateway's JWKS.
      expect(whoamiAnswer).toEqual({
        sub: 'alice',
        keyId: expect.stringMatching(/^[0-9A-Za-z]{22}$/),
        scopes: ['read'],
        assertion: { verified: true, kid: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) },
      });
      expect(JSON.parse(listLine!).keys).toEqual(
        expect.arrayContaining([expect.objectContaining({ id: whoamiAnswer.keyId, status: 'active' })]),
      );
      expect(rest).toEqual([]);
    } finally {
      await stop(child);
    }
  });

  it('keeps DynamoDB Local behind the data folder’s key (0600), and prints the AWS CLI command that reads the table', async () => {
    const { child, output } = await start();
    try {
      const credentials = readCredentials(dataDir);
      expect(credentials).toBeDefined();
      expect(statSync(credentialsPath(dataDir)).mode & 0o777).toBe(0o600);
      const endpoint = `http://127.0.0.1:${ports.DYNAMODB_PORT}`;
      expect(output()).toContain(
        `Inspect the table  AWS_ACCESS_KEY_ID=${credentials!.accessKeyId} AWS_SECRET_ACCESS_KEY=${credentials!.secretAccessKey} ` +
          `aws dynamodb scan --table-name ApiKeys --endpoint-url ${endpoint} --region local`,
      );
      const tables = async (client: ReturnType<typeof createDocumentClient>) => {
        try {
          return (await client.send(new ListTablesCommand({}))).TableNames;
        } finally {
          client.destroy();
        }
      };
      expect(await tables(createDocumentClient({ endpoint, credentials }))).toContain('ApiKeys');
      // What every client signed with before, and what any other client may try: an empty database.
      expect(await tables(createDocumentClient({ endpoint, credentials: SHARED_DB_CREDENTIALS }))).toEqual([]);
    } finally {
      await stop(child);
    }
  });

  it('refuses to start with a bad setting, naming it', async () => {
    const child = spawn(join(process.cwd(), 'node_modules/.bin/tsx'), ['local/main.ts'], {
      env: { ...process.env, MAX_KEYS_PER_USER: 'lots' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(output).toContain('MAX_KEYS_PER_USER must be a whole number');
  });
});
