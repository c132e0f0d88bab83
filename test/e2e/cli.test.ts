import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
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
      // The file, whatever keychain this machine has: a desktop's keyring is not the test's to fill.
      APIKEY_KEYCHAIN: 'off',
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
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const userCode = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /confirm the code ([A-Z]{4}-[A-Z]{4})/.exec(stripVTControlCharacters(stderr));
        if (match?.[1]) resolve(match[1]);
      });
      child.once('exit', () => {
        reject(new Error(`login exited early: ${stderr}`));
      });
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
    // GET /whoami needs the key scope `read`, as with npm start.
    const created = await apikey(['create', '--name', 'ci job', '--scope', 'read', '--expires', '30d']);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(created.stdout).toBe(`${key}\n`);
    expect(key).toMatch(/^uak_[0-9A-Za-z]{22}_[0-9A-Za-z]{49}$/);
    const id = key.split('_')[1]!;
    expect(await whoamiStatus(key)).toBe(200);

    const listed = JSON.parse((await apikey(['list', '--json'])).stdout);
    expect(listed.keys).toEqual([expect.objectContaining({ id, name: 'ci job', scopes: ['read'], status: 'active', enabled: true })]);
    const table = await apikey(['list']);
    expect(table.stdout).toMatch(new RegExp(`^ID\\s+NAME.*\\n${id}\\s+ci job\\s+active\\s+read\\s+(now|\\d+ seconds? ago)\\s+in 4 weeks`));
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
    // The stored login belongs to the gateway alone, so a token given directly goes to the dead endpoint.
    const down = await apikey(['list', '--json'], { APIKEY_ENDPOINT: `http://127.0.0.1:${await freePort()}`, APIKEY_TOKEN: 'x.y.z' });
    expect(down.code).toBe(4);
    expect(JSON.parse(down.stderr).error.code).toBe('NETWORK_ERROR');
  });

  /** A new key (`read`, so it may call GET /whoami), its id and secret. */
  async function createKey(name: string): Promise<{ id: string; key: string }> {
    const created = await apikey(['create', '--name', name, '--scope', 'read']);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    return { id: key.split('_')[1]!, key };
  }
  const showJson = async (id: string) => JSON.parse((await apikey(['show', id, '--json'])).stdout);
  const listIds = async (...args: string[]) => {
    const listed = await apikey(['list', '--json', ...args]);
    expect(listed.code).toBe(0);
    return (JSON.parse(listed.stdout).keys as { id: string }[]).map((key) => key.id);
  };

  it('rotates a key: old and new both work during the grace period; with --grace 0 the old one stops at once', async () => {
    const first = await createKey('rotating');

    const rotated = await apikey(['rotate', first.id, '--grace', '90s']);
    expect(rotated.code).toBe(0);
    const second = rotated.stdout.trim();
    expect(rotated.stdout).toBe(`${second}\n`);
    expect(second).toMatch(/^uak_[0-9A-Za-z]{22}_[0-9A-Za-z]{49}$/);
    const secondId = second.split('_')[1]!;
    expect(rotated.stderr).toContain(`Rotated key ${first.id} to ${secondId} (rotating)`);
    expect(rotated.stderr).toContain(`The old key ${first.id} keeps working until `);
    expect(rotated.stderr).not.toContain(second);
    expect(await whoamiStatus(first.key)).toBe(200);
    expect(await whoamiStatus(second)).toBe(200);

    // --grace 90s reached the server as 90 seconds: the old key now expires 90 s after the new one was made.
    const old = await showJson(first.id);
    const successor = await showJson(secondId);
    expect(old).toMatchObject({ status: 'active', replacedBy: secondId });
    expect(successor).toMatchObject({ name: 'rotating', scopes: ['read'], rotatedFrom: first.id });
    const grace = Date.parse(old.expiresAt) - Date.parse(successor.createdAt);
    expect(grace).toBeGreaterThan(89_000);
    expect(grace).toBeLessThanOrEqual(90_000);
    const shown = await apikey(['show', first.id]);
    expect(shown.stdout).toContain(`replaced by  ${secondId}`);
    expect((await apikey(['show', secondId])).stdout).toContain(`rotated from  ${first.id}`);

    const again = await apikey(['rotate', first.id, '--json']);
    expect(again.code).toBe(5);
    expect(JSON.parse(again.stderr).error.code).toBe('KEY_ALREADY_ROTATED');

    const noGrace = await apikey(['rotate', secondId, '--grace', '0', '--json']);
    expect(noGrace.code).toBe(0);
    const third = JSON.parse(noGrace.stdout);
    expect(third).toMatchObject({ name: 'rotating', rotatedFrom: secondId, replaced: { id: secondId } });
    expect(third.key).toMatch(new RegExp(`^uak_${third.id}_`));
    expect(await whoamiStatus(second)).toBe(403);
    expect(await whoamiStatus(third.key)).toBe(200);
    expect(await whoamiStatus(first.key)).toBe(200); // its own 90 s are not over
    expect((await showJson(secondId)).status).toBe('rotated');
    expect(await listIds('--status', 'rotated')).toEqual([secondId]);

    const tooLong = await apikey(['rotate', 'A'.repeat(22), '--grace', '8d']);
    expect(tooLong.code).toBe(1);
    expect(tooLong.stderr).toContain('--grace must be at most 7d');
  });

  it('disables (the key is refused), enables (it works again) and renames a key; its history shows every change', async () => {
    const { id, key } = await createKey('lifecycle');
    // The test system's clock stands still unless moved: one second between changes orders the history.
    system.clock.advance(1);

    const disabled = await apikey(['disable', id]);
    expect(disabled.code).toBe(0);
    expect(disabled.stdout).toContain(`id        ${id}\n`);
    expect(disabled.stdout).toContain('status    disabled\n');
    expect(disabled.stdout).toMatch(/\ndisabled {2}\d{4}-/);
    expect(await whoamiStatus(key)).toBe(403);
    expect(await listIds('--status', 'disabled')).toEqual([id]);
    expect(await listIds('--status', 'active')).not.toContain(id);
    expect(await listIds('--status', 'active,disabled')).toContain(id);
    expect(await listIds('--status', 'revoked', '--status', 'disabled')).toContain(id);
    const table = await apikey(['list', '--status', 'disabled']);
    expect(table.stdout).toMatch(new RegExp(`^ID\\s+NAME.*\\n${id}\\s+lifecycle\\s+disabled\\s+read\\s`));
    expect(table.stdout.trim().split('\n')).toHaveLength(2);
    system.clock.advance(1);

    const enabled = await apikey(['enable', id, '--json']);
    expect(enabled.code).toBe(0);
    expect(JSON.parse(enabled.stdout)).toMatchObject({ id, status: 'active', enabled: true });
    expect(await whoamiStatus(key)).toBe(200);
    system.clock.advance(1);

    const renamed = await apikey(['rename', id, 'lifecycle v2']);
    expect(renamed.code).toBe(0);
    expect(renamed.stdout).toContain('name      lifecycle v2\n');
    expect((await showJson(id)).name).toBe('lifecycle v2');
    system.clock.advance(1);

    const rotated = await apikey(['rotate', id, '--json']);
    const successor = JSON.parse(rotated.stdout).id as string;

    const history = await apikey(['events', id, '--json']);
    expect(history.code).toBe(0);
    const { events } = JSON.parse(history.stdout);
    expect(events.map((event: { type: string }) => event.type)).toEqual(['rotate', 'rename', 'enable', 'disable', 'create']);
    for (const event of events) {
      expect(event).toMatchObject({
        actor: 'auth0|alice',
        sourceIp: '127.0.0.1',
        userAgent: expect.stringMatching(/^apikey\/\d+\.\d+\.\d+\S* \(node v/),
      });
    }
    expect(events[0].details).toMatchObject({ replacedBy: successor });
    expect(events[1].details).toEqual({ from: 'lifecycle', to: 'lifecycle v2' });
    expect(JSON.parse((await apikey(['events', successor, '--json'])).stdout).events).toEqual([
      expect.objectContaining({ type: 'create', details: { rotatedFrom: id } }),
    ]);

    const lines = (await apikey(['events', id])).stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^WHEN\s+TYPE\s+ACTOR\s+SOURCE IP\s+USER AGENT\s+DETAILS$/);
    expect(lines.slice(1).map((line) => /\s(create|rotate|disable|enable|rename)\s/.exec(line)?.[1])).toEqual([
      'rotate',
      'rename',
      'enable',
      'disable',
      'create',
    ]);
    expect(lines[1]).toContain(`replaced by ${successor}`);
    expect(lines[2]).toContain('"lifecycle" → "lifecycle v2"');
    expect(lines[4]).toMatch(/disable\s+auth0\|alice\s+127\.0\.0\.1\s+apikey\//);
  });

  it('refuses to change a revoked key with exit 5 (conflict), one line', async () => {
    const { id } = await createKey('to revoke');
    expect((await apikey(['revoke', id])).code).toBe(0);

    const rename = await apikey(['rename', id, 'new name']);
    expect(rename).toMatchObject({ code: 5, stdout: '' });
    expect(rename.stderr.trim().split('\n')).toEqual(['Error: This key is revoked, and revocation is final']);
    const json = await apikey(['enable', id, '--json']);
    expect(json.code).toBe(5);
    expect(JSON.parse(json.stderr)).toEqual({ error: { code: 'KEY_REVOKED', message: expect.any(String) } });
    expect((await apikey(['rotate', id])).code).toBe(5);
    expect((await showJson(id)).name).toBe('to revoke');

    expect(await listIds('--status', 'revoked')).toContain(id);
    expect(await listIds('--status', 'active')).not.toContain(id);
    const bad = await apikey(['list', '--status', 'paused']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--status takes active, disabled, rotated, expired, revoked');
  });

  it('sends the login to its own endpoint only, and never over plain http to another machine', async () => {
    // A live server on another port would take the token if the CLI sent it: exit 2 says it was refused before any request (4 if tried).
    const other = await apikey(['list', '--json'], { APIKEY_ENDPOINT: `http://127.0.0.1:${await freePort()}` });
    expect(other.code).toBe(2);
    expect(JSON.parse(other.stderr).error).toEqual({ code: 'OTHER_LOGIN', message: expect.stringContaining('run apikey login') });
    const cleartext = await apikey(['list'], { APIKEY_ENDPOINT: 'http://api.example.com' });
    expect(cleartext.code).toBe(1);
    expect(cleartext.stderr).toContain('The endpoint must use https');
    expect(cleartext.stderr).toContain('(from APIKEY_ENDPOINT)');
    expect((await apikey(['list', '--json'])).code).toBe(0); // the login itself still works where it was made
  });

  it('refuses a login stored by an older apikey, which did not record its endpoint (exit 2)', async () => {
    const oldDir = mkdtempSync(join(tmpdir(), 'apikey-old-'));
    writeFileSync(
      join(oldDir, 'credentials.json'),
      JSON.stringify({
        accessToken: 'x.y.z',
        expiresAt: Date.now() + 3600_000,
        authUrl: system.devIdentityProvider!.url,
        audience: LOCAL_AUDIENCE,
        sub: 'auth0|alice',
      }),
      { mode: 0o600 },
    );
    const old = await apikey(['list'], { APIKEY_CONFIG_DIR: oldDir });
    expect(old).toMatchObject({ code: 2, stdout: '' });
    expect(old.stderr).toContain('run apikey login');
    expect(old.stderr).not.toContain('x.y.z');
  });

  it('says so when the login has expired (exit 2), and logs out', async () => {
    const expiredDir = mkdtempSync(join(tmpdir(), 'apikey-expired-'));
    writeFileSync(
      join(expiredDir, 'credentials.json'),
      JSON.stringify({
        accessToken: 'x.y.z',
        expiresAt: Date.now() - 120_000,
        endpoint: system.gatewayUrl,
        authUrl: system.devIdentityProvider!.url,
        audience: LOCAL_AUDIENCE,
        sub: 'auth0|alice',
      }),
      { mode: 0o600 },
    );
    const expired = await apikey(['list'], { APIKEY_CONFIG_DIR: expiredDir });
    expect(expired.code).toBe(2);
    expect(expired.stderr).toContain('Your login expired 2 minutes ago: run apikey login');

    expect((await apikey(['logout'])).stdout).toBe('Logged out.\n');
    expect((await apikey(['list'])).code).toBe(2);
  });
});
