import { deviceLogin, type DeviceLoginOptions } from '../../../client/device-login';
import { recordedSleep, rejection, scriptedFetch } from './scripted-fetch';

const start = {
  status: 200,
  body: {
    device_code: 'dev',
    user_code: 'ABCD-EFGH',
    verification_uri: 'https://idp.example/activate',
    verification_uri_complete: 'https://idp.example/activate?user_code=ABCD-EFGH',
    expires_in: 600,
    interval: 5,
  },
};

function login(server: ReturnType<typeof scriptedFetch>, extra: Partial<DeviceLoginOptions> = {}) {
  const { waits, sleep } = recordedSleep();
  const prompts: unknown[] = [];
  const result = deviceLogin({
    authUrl: 'https://idp.example/',
    clientId: 'cli',
    audience: 'https://api.example.com',
    fetch: server.fetch,
    sleep,
    onPrompt: (prompt) => prompts.push(prompt),
    ...extra,
  });
  return { result, waits, prompts };
}

describe('deviceLogin (RFC 8628)', () => {
  it('prompts, polls while pending, slows down when told, and returns the token', async () => {
    const server = scriptedFetch([
      start,
      { status: 400, body: { error: 'authorization_pending' } },
      { status: 400, body: { error: 'slow_down' } },
      { status: 200, body: { access_token: 'tok', expires_in: 86400, token_type: 'Bearer' } },
    ]);
    const { result, waits, prompts } = login(server, { scope: 'offline_access' });
    expect(await result).toEqual({ accessToken: 'tok', expiresInSeconds: 86400 });
    expect(waits).toEqual([5000, 5000, 10000]);
    expect(prompts).toEqual([
      {
        verificationUri: 'https://idp.example/activate',
        verificationUriComplete: 'https://idp.example/activate?user_code=ABCD-EFGH',
        userCode: 'ABCD-EFGH',
        expiresInSeconds: 600,
      },
    ]);
    expect(server.requests[0]).toMatchObject({
      url: 'https://idp.example/oauth/device/code',
      init: { body: 'client_id=cli&audience=https%3A%2F%2Fapi.example.com&scope=offline_access' },
    });
    expect(server.requests[1]).toMatchObject({
      url: 'https://idp.example/oauth/token',
      init: { body: 'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=dev&client_id=cli' },
    });
    for (const request of server.requests) expect(request.init.redirect).toBe('error');
  });

  it.each([
    ['expired_token', 'LOGIN_EXPIRED'],
    ['access_denied', 'LOGIN_DENIED'],
    ['invalid_grant', 'LOGIN_FAILED'],
  ])('stops on %s with %s, no CLI wording in the message', async (error, code) => {
    const { result } = login(scriptedFetch([start, { status: 403, body: { error } }]));
    const failure = await rejection(result);
    expect(failure).toMatchObject({ name: 'ApiError', code, status: 403 });
    expect((failure as Error).message).not.toMatch(/apikey|run /);
  });

  it('says what the provider said when it refuses to start', async () => {
    const { result, prompts } = login(
      scriptedFetch([{ status: 401, body: { error: 'unauthorized_client', error_description: 'no device grant' } }]),
    );
    expect(await rejection(result)).toMatchObject({
      code: 'LOGIN_REFUSED',
      status: 401,
      message: expect.stringContaining('no device grant'),
    });
    expect(prompts).toEqual([]);
  });

  it('reports an unreachable identity provider, and a redirect, without following it', async () => {
    expect(await rejection(login(scriptedFetch([new TypeError('fetch failed')])).result)).toMatchObject({ code: 'IDP_UNREACHABLE' });
    const redirected = scriptedFetch([new TypeError('fetch failed', { cause: new Error('unexpected redirect') })]);
    expect(await rejection(login(redirected).result)).toMatchObject({ code: 'REDIRECT_REFUSED' });
  });

  it('gives up when the code expires without an answer', async () => {
    const pending = Array.from({ length: 200 }, () => ({ status: 400, body: { error: 'authorization_pending' } }));
    const server = scriptedFetch([{ ...start, body: { ...start.body, expires_in: 20 } }, ...pending]);
    expect(await rejection(login(server).result)).toMatchObject({ code: 'LOGIN_EXPIRED' });
    expect(server.requests.length).toBeLessThan(30);
  });
});
