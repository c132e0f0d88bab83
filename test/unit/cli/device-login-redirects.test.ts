import { deviceLogin } from '../../../cli/device-login';

/** The device code is as good as a token to whoever holds it: no redirect may carry it to another host. */
describe('apikey login and redirects', () => {
  it('asks fetch to refuse redirects on the device-code request and on every poll', async () => {
    const calls: RequestInit[] = [];
    const answers = [
      { device_code: 'dc', user_code: 'BCDF-GHJK', verification_uri: 'https://idp.example/activate', expires_in: 600, interval: 0 },
      { access_token: 'x.y.z', expires_in: 3600 },
    ];
    const fetchSpy = (_url: string | URL | Request, init?: RequestInit) => {
      calls.push(init ?? {});
      return Promise.resolve(
        new Response(JSON.stringify(answers.shift()), { status: 200, headers: { 'content-type': 'application/json' } }),
      );
    };
    const result = await deviceLogin({
      authUrl: 'https://idp.example',
      clientId: 'cli',
      audience: 'https://api.example.com',
      onPrompt: () => undefined,
      fetch: fetchSpy,
      sleep: () => Promise.resolve(),
    });
    expect(result.accessToken).toBe('x.y.z');
    expect(calls).toHaveLength(2);
    for (const init of calls) expect(init.redirect).toBe('error');
  });
});
