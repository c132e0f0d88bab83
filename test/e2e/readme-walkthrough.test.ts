import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { localSettingsFromEnv } from '../../local/settings';
import { startTestSystem, TEST_KEY_POLICY, type TestSystem } from '../support/local-system';

/**
 * The README's walk-through, run as printed against a running system. Only the
 * two URLs change (the test system listens on random ports) and the wait for
 * the gateway's cache, which this system runs with a TTL of 0.
 */
describe('the README walk-through', () => {
  let system: TestSystem;
  beforeAll(async () => {
    // npm start's own key rules (KEY_SCOPES_FROM_TOKEN is on, as ROUTE_SCOPES names GET /whoami), on a fresh table.
    const { keys } = localSettingsFromEnv({}, '/tmp');
    expect(keys.policy.keyScopesFromToken).toBe(true);
    system = await startTestSystem({
      authorizerCacheTtlSeconds: 0,
      keys: { ...keys, tableName: `walk${Date.now()}`, policy: { ...keys.policy, ownerBudget: TEST_KEY_POLICY.ownerBudget } },
    });
  });
  afterAll(() => system.stop());

  it('works as printed', async () => {
    const readme = readFileSync('README.md', 'utf8');
    const block = /<!-- walkthrough:start -->\s*```bash\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const apiLine = 'API=http://127.0.0.1:3000; IDP=http://127.0.0.1:3001';
    expect(block).toContain(apiLine);
    expect(block).toContain('sleep 60');
    const script = block!
      .replace(apiLine, `API=${system.gatewayUrl}; IDP=${system.devIdentityProvider!.url}`)
      .replace('sleep 60', 'sleep 0');

    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script]);
    const lines = stdout.trim().split('\n');
    const created = JSON.parse(lines[0]!);
    expect(created).toMatchObject({ name: 'my script', scopes: ['read'], id: expect.any(String), key: expect.any(String) });
    // The sample backend answers from the assertion it verified against the gateway's JWKS.
    const whoami = { sub: 'alice', keyId: created.id, scopes: ['read'], assertion: { verified: true, kid: system.assertion.kid } };
    expect(JSON.parse(lines[1]!)).toEqual(whoami); // Bearer
    expect(JSON.parse(lines[2]!)).toEqual(whoami); // Basic
    expect(JSON.parse(lines[3]!)).toEqual(whoami); // the access token from POST /oauth/token
    expect(JSON.parse(lines[4]!).keys).toEqual([expect.objectContaining({ id: created.id, status: 'active' })]);
    expect(JSON.parse(lines[5]!)).toMatchObject({ id: created.id, status: 'active' });
    expect(lines[6]).toBe(`{"code":"KEY_NOT_FOUND","message":"No key with id \\"${String(created.id)}\\""} 404`);
    expect(lines[7]).toBe('204');
    expect(JSON.parse(lines[8]!)).toEqual({ message: 'Forbidden' });
    expect(JSON.parse(lines[9]!)).toMatchObject({ id: created.id, status: 'revoked' });
    expect(lines).toHaveLength(10);
  });
});
