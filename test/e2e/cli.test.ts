import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LOCAL_AUDIENCE } from '../../local/settings';
import { freePort } from '../support/free-port';
import { startTestSystem, type TestSystem } from '../support/local-system';

const CLI = join(process.cwd(), 'cli', 'apikey.cjs');

/** The `apikey` command, as a key owner runs it, against the local gateway and development IdP. */
describe('apikey CLI end to end', () => {
  let system: TestSystem;
  let env: Record<string, string>;

  beforeAll(async () => {
    system = await startTestSystem({ identity: { devPort: 0, audience: LOCAL_AUDIENCE, devicePollIntervalSeconds: 0 } });
    env = {
      PATH: process.env.PATH ?? '',
      APIKEY_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'apikey-e2e-')),
      APIKEY_ENDPOINT: system.gatewayUrl,
      APIKEY_AUTH_DOMAIN: system.devIdentityProvider!.url,
    };
  });
  afterAll(() => system.stop());

  async function apikey(args: string[], extraEnv: Record<string, string> = {}) {
    try {
      const { stdout, stderr } = await promisify(execFile)('node', [CLI, ...args], { env: { ...env, ...extraEnv } });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  /** `apikey login`, approved through the development IdP's activation endpoint as `user`. */
  async function login(user: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn('node', [CLI, 'login'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const userCode = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /confirm the code ([A-Z]{4}-[A-Z]{4})/.exec(stderr.replace(/\u001b\[[0-9;]*m/g, ''));
        if (match?.[1]) resolve(match[1]);
      });
      child.once('exit', () => reject(new Error(`login exited early: ${stderr}`)));
    });
    const approval = await fetch(`${system.devIdentityProvider!.url}/activate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ user_code: userCode, user }),
    });
    expect(approval.status).toBe(200);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    return { code, stdout, stderr };
  }

  const whoamiStatus = async (key: string) =>
    (await fetch(`${system.gatewayUrl}/whoami`, { headers: { authorization: `Bearer ${key}` } })).status;

  it('refuses to work before login (exit 2), then logs in with the device flow', async () => {
    const before = await apikey(['list']);
    expect(before.code).toBe(2);
    expect(before.stderr).toContain('Not logged in: run apikey login');

    const result = await login('auth0|alice');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('Logged in as auth0|alice.\n');
    expect(result.stderr).toContain(`${system.devIdentityProvider!.url}/activate?user_code=`);

    const whoami = await apikey(['whoami', '--json']);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ sub: 'auth0|alice', source: 'login' });
  });

  it('creates a key (alone on stdout when piped), lists it, and the key works until revoked', async () => {
    const created = await apikey(['create', '--name', 'ci job', '--scope', 'deploy', '--expires', '30d']);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(created.stdout).toBe(`${key}\n`);
    expect(key).toMatch(/^uak_[0-9A-Za-z]{22}_[0-9A-Za-z]{49}$/);
    const id = key.split('_')[1]!;
    expect(await whoamiStatus(key)).toBe(200);

    const listed = JSON.parse((await apikey(['list', '--json'])).stdout);
    expect(listed.keys).toEqual([expect.objectContaining({ id, name: 'ci job', scopes: ['deploy'], status: 'active' })]);
    const table = await apikey(['list']);
    expect(table.stdout).toMatch(new RegExp(`^ID\\s+NAME.*\\n${id}\\s+ci job\\s+active\\s+deploy\\s+(now|\\d+ seconds? ago)\\s+in 4 weeks`));
    expect(table.stdout).not.toContain(key);

    expect((await apikey(['show', id])).stdout).toContain('status    active');
    const revoked = await apikey(['revoke', id]);
    expect(revoked).toMatchObject({ code: 0, stdout: `Revoked ${id}.\n` });
    expect(await whoamiStatus(key)).toBe(403);
    expect(JSON.parse((await apikey(['show', id, '--json'])).stdout).status).toBe('revoked');
  });

  it('gives the documented exit codes: not found 3, bad flags 1, network down 4', async () => {
    const missing = await apikey(['show', 'A'.repeat(22)]);
    expect(missing.code).toBe(3);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect((await apikey(['create', '--name', 'x', '--expires', 'someday'])).code).toBe(1);
    expect((await apikey(['create'])).code).toBe(1);
    const down = await apikey(['list', '--json'], { APIKEY_ENDPOINT: `http://127.0.0.1:${await freePort()}` });
    expect(down.code).toBe(4);
    expect(JSON.parse(down.stderr).error.code).toBe('NETWORK_ERROR');
  });

  it('says so when the login has expired (exit 2), and logs out', async () => {
    const expiredDir = mkdtempSync(join(tmpdir(), 'apikey-expired-'));
    writeFileSync(
      join(expiredDir, 'credentials.json'),
      JSON.stringify({ accessToken: 'x.y.z', expiresAt: Date.now() - 120_000, authUrl: system.devIdentityProvider!.url, audience: LOCAL_AUDIENCE, sub: 'auth0|alice' }),
      { mode: 0o600 },
    );
    const expired = await apikey(['list'], { APIKEY_CONFIG_DIR: expiredDir });
    expect(expired.code).toBe(2);
    expect(expired.stderr).toContain('Your login expired 2 minutes ago: run apikey login');

    expect((await apikey(['logout'])).stdout).toBe('Logged out.\n');
    expect((await apikey(['list'])).code).toBe(2);
  });
});
