import { decodeJwt } from 'jose';
import { AUDIENCE, CLIENT, refresh, SCOPE, signInForTokens, startProvider, stopProviders, T0, verifyToken } from './dev-idp-browser';

/**
 * grant_type=refresh_token with rotation, as Auth0's refresh-token rotation:
 * every use answers a new refresh token and retires the old; presenting a
 * retired one revokes the whole family. Refusals are Auth0's 403
 * invalid_grant "Unknown or invalid refresh token.", whose text auth0-spa-js
 * matches ("invalid refresh token") to fall back to the iframe.
 */

afterAll(stopProviders);

const UNKNOWN = { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' };

describe('refresh tokens', () => {
  it('rotate: each use answers new tokens and a new refresh token, and the old one is spent', async () => {
    const test = await startProvider();
    const first = await signInForTokens(test);
    test.advance(10 * 60 * 1000);
    const second = await refresh(test.provider, first.json.refresh_token);
    expect(second.status).toBe(200);
    expect(second.headers.get('cache-control')).toBe('no-store');
    expect(second.json).toEqual({
      access_token: expect.any(String),
      id_token: expect.any(String),
      refresh_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: SCOPE,
    });
    expect(second.json.refresh_token).not.toBe(first.json.refresh_token);
    const access = await verifyToken(test, second.json.access_token, AUDIENCE);
    expect(access.payload.sub).toBe('auth0|alice');
    expect(access.payload.iat).toBe(T0 / 1000 + 600);
    const id = (await verifyToken(test, second.json.id_token, CLIENT.clientId)).payload;
    expect(id.auth_time).toBe(T0 / 1000);
    expect(id).not.toHaveProperty('nonce');

    const third = await refresh(test.provider, second.json.refresh_token);
    expect(third.status).toBe(200);
    expect(decodeJwt(third.json.access_token).sub).toBe('auth0|alice');
  });

  it('detect reuse: a retired token is refused and revokes its whole family, the newest token too', async () => {
    const test = await startProvider();
    const first = await signInForTokens(test);
    const second = await refresh(test.provider, first.json.refresh_token);
    expect(second.status).toBe(200);
    const reused = await refresh(test.provider, first.json.refresh_token);
    expect(reused.status).toBe(403);
    expect(reused.json).toEqual(UNKNOWN);
    const newest = await refresh(test.provider, second.json.refresh_token);
    expect(newest.status).toBe(403);
    expect(newest.json).toEqual(UNKNOWN);
  });

  it('revoke only the reused family, not another sign-in', async () => {
    const test = await startProvider();
    const mine = await signInForTokens(test);
    const other = await signInForTokens(test, {}, 'bob');
    await refresh(test.provider, mine.json.refresh_token);
    await refresh(test.provider, mine.json.refresh_token);
    const untouched = await refresh(test.provider, other.json.refresh_token);
    expect(untouched.status).toBe(200);
    expect(decodeJwt(untouched.json.access_token).sub).toBe('bob');
  });

  it('are refused to another client, which spends nothing', async () => {
    const test = await startProvider({ clients: [CLIENT, { ...CLIENT, clientId: 'other-app' }] });
    const first = await signInForTokens(test);
    const stolen = await refresh(test.provider, first.json.refresh_token, 'other-app');
    expect(stolen.status).toBe(403);
    expect(stolen.json).toEqual(UNKNOWN);
    expect((await refresh(test.provider, first.json.refresh_token)).status).toBe(200);
  });

  it('are refused to an unknown client with 401 invalid_client', async () => {
    const test = await startProvider();
    const first = await signInForTokens(test);
    const refused = await refresh(test.provider, first.json.refresh_token, 'someone-else');
    expect(refused.status).toBe(401);
    expect(refused.json.error).toBe('invalid_client');
  });

  it.each([
    ['an unknown token', 'x'.repeat(22) + '.' + 'y'.repeat(43)],
    ['a token without a family', 'garbage'],
    ['an empty family', '.'],
  ])('refuse %s', async (_name, token) => {
    const test = await startProvider();
    const refused = await refresh(test.provider, token);
    expect(refused.status).toBe(403);
    expect(refused.json).toEqual(UNKNOWN);
  });

  it('refuse a missing refresh_token with 400 invalid_request', async () => {
    const test = await startProvider();
    const refused = await refresh(test.provider, '');
    expect(refused.status).toBe(400);
    expect(refused.json.error).toBe('invalid_request');
  });

  it('expire after 15 days unused, and after 30 days in all', async () => {
    const test = await startProvider();
    const idle = await signInForTokens(test);
    test.advance(15 * 24 * 60 * 60 * 1000);
    expect((await refresh(test.provider, idle.json.refresh_token)).json).toEqual(UNKNOWN);

    let token = (await signInForTokens(test)).json.refresh_token as string;
    for (let day = 0; day < 29; day += 1) {
      test.advance(24 * 60 * 60 * 1000);
      const next = await refresh(test.provider, token);
      expect(next.status).toBe(200);
      token = next.json.refresh_token;
    }
    test.advance(24 * 60 * 60 * 1000);
    expect((await refresh(test.provider, token)).json).toEqual(UNKNOWN);
  });
});
