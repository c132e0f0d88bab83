import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_AUDIENCE } from '../../local/settings';
import { resolveBrand } from '../../scripts/cli-brand';
import { buildCliPackage, packTarball, projectVersion } from '../../scripts/cli-package';
import { InstalledCli, installGlobally } from '../../scripts/installed-cli';
import { startTestSystem, type TestSystem } from '../support/local-system';

/**
 * The operator's branded CLI as their users get it: built with another command name and
 * defaults pointing at this test system, packed, installed from the tarball into a prefix
 * of its own, and run with nothing but PATH and XDG_CONFIG_HOME: no flag, no APIKEY_*
 * variable. Branding alone makes it find the API and the identity provider.
 */
describe('the branded, installed CLI package', () => {
  const work = mkdtempSync(join(tmpdir(), 'cli-package-'));
  const prefix = join(work, 'prefix');
  const configHome = join(work, 'config');
  let system: TestSystem;
  let cli: InstalledCli;
  let packageDir: string;

  beforeAll(async () => {
    system = await startTestSystem({ identity: { devPort: 0, audience: LOCAL_AUDIENCE, devicePollIntervalSeconds: 0 } });
    const brand = resolveBrand({
      command: 'acme-keys',
      endpoint: system.gatewayUrl,
      authDomain: system.devIdentityProvider!.url,
      clientId: 'acme-cli',
      audience: LOCAL_AUDIENCE,
    });
    const built = await buildCliPackage({ brand, version: projectVersion(), packageDir: join(work, 'package') });
    packageDir = built.packageDir;
    await installGlobally([packTarball(packageDir, join(work, 'dist'))], prefix);
    const nodeDir = join(process.execPath, '..');
    cli = new InstalledCli('acme-keys', { PATH: `${join(prefix, 'bin')}:${nodeDir}`, XDG_CONFIG_HOME: configHome });
  });
  afterAll(async () => {
    await system.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('is one bundled JavaScript file with no dependencies, no TypeScript and nothing from this repository', () => {
    const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      name: 'acme-keys',
      version: projectVersion(),
      bin: { 'acme-keys': 'bin/acme-keys.js' },
      engines: { node: '>=20.19' },
      license: 'Apache-2.0',
    });
    expect(manifest).not.toHaveProperty('dependencies');
    const installed = join(prefix, 'lib', 'node_modules', 'acme-keys');
    expect(readdirSync(installed).sort()).toEqual(['LICENSE', 'README.md', 'THIRD-PARTY-LICENSES', 'bin', 'package.json']);
    expect(readdirSync(join(installed, 'bin'))).toEqual(['acme-keys.js']);
    const bundle = readFileSync(join(installed, 'bin', 'acme-keys.js'), 'utf8');
    expect(bundle.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(bundle).not.toMatch(/require\("(?!node:)(?:commander|picocolors|tsx|\.{1,2}\/)/);
  });

  it('prints its version, and its own name in help and hints', async () => {
    expect(await cli.run(['--version'])).toMatchObject({ code: 0, stdout: `${projectVersion()}\n` });
    const help = await cli.run(['--help']);
    expect(help.stdout).toContain('Usage: acme-keys');
    expect(help.stdout).toContain('$ acme-keys create --name ci');
    const before = await cli.run(['list']);
    expect(before.code).toBe(2);
    expect(before.stderr).toContain('Not logged in: run acme-keys login');
  });

  it('logs in, creates, lists, rotates and revokes with no configuration', async () => {
    const login = await cli.login(system.devIdentityProvider!.url, 'auth0|carol');
    expect(login).toMatchObject({ code: 0, stdout: 'Logged in as auth0|carol.\n' });
    expect(login.stderr).toContain(`${system.devIdentityProvider!.url}/activate?user_code=`);
    // The branded build's own config folder, 0600.
    const credentials = join(configHome, 'acme-keys', 'credentials.json');
    expect(statSync(credentials).mode & 0o777).toBe(0o600);

    const created = await cli.run(['create', '--name', 'from the package', '--scope', 'read']);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^uak_[0-9A-Za-z]{22}_[0-9A-Za-z]{49}$/);
    const id = key.split('_')[1]!;
    const status = async (k: string) => (await fetch(`${system.gatewayUrl}/whoami`, { headers: { authorization: `Bearer ${k}` } })).status;
    expect(await status(key)).toBe(200);

    const listed = JSON.parse((await cli.run(['list', '--json'])).stdout) as { keys: { id: string; name: string; status: string }[] };
    expect(listed.keys).toEqual([expect.objectContaining({ id, name: 'from the package', status: 'active' })]);

    const rotated = await cli.run(['rotate', id, '--grace', '0']);
    expect(rotated.code).toBe(0);
    const newKey = rotated.stdout.trim();
    const newId = newKey.split('_')[1]!;
    expect(rotated.stderr).toContain(`Rotated key ${id} to ${newId}`);
    expect(await status(newKey)).toBe(200);

    expect(await cli.run(['revoke', newId])).toMatchObject({ code: 0, stdout: `Revoked ${newId}.\n` });
    const shown = JSON.parse((await cli.run(['show', newId, '--json'])).stdout) as { status: string };
    expect(shown.status).toBe('revoked');

    expect(await cli.run(['logout'])).toMatchObject({ code: 0, stdout: 'Logged out.\n' });
    expect(existsSync(credentials)).toBe(false);
  });
});
