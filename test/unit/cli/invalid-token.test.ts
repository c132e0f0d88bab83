import { forbiddenFetch, freshConfigDir, run } from './cli-support';
import { EXIT } from '../../../cli/errors';

describe('a token that cannot be sent in a header', () => {
  it.each([
    ['a line break', 'secret-A\nsecret-B'],
    ['a NUL', 'secret-A\0secret-B'],
    ['a non-Latin-1 character', 'secret-A€secret-B'],
  ])('with %s is refused before any request, and never printed', async (_, token) => {
    const server = forbiddenFetch();
    const result = await run(['--endpoint', 'http://127.0.0.1:9', 'list'], {
      env: { APIKEY_CONFIG_DIR: freshConfigDir(), APIKEY_TOKEN: token, APIKEY_KEYCHAIN: 'off' },
      fetch: server.fetch,
    });
    expect(result.code).toBe(EXIT.auth);
    expect(result.stderr).toMatch(/access token/);
    expect(result.stderr).toMatch(/INVALID_CREDENTIAL|cannot|never has/);
    expect(`${result.stdout}${result.stderr}`).not.toContain('secret-A');
    expect(server.calls).toEqual([]);
  });

  it('with the real fetch, is refused without the token in stderr', async () => {
    const result = await run(['--endpoint', 'http://127.0.0.1:9', 'list'], {
      env: { APIKEY_CONFIG_DIR: freshConfigDir(), APIKEY_TOKEN: 'secret-A\nsecret-B', APIKEY_KEYCHAIN: 'off' },
    });
    expect(result.code).toBe(EXIT.auth);
    expect(`${result.stdout}${result.stderr}`).not.toContain('secret-A');
    expect(result.stderr).not.toMatch(/invalid header value/);
  });
});
