import { decodeJwt, decodeProtectedHeader } from 'jose';
import {
  AUDIENCE,
  authorizeUrl,
  Browser,
  CLIENT,
  codeFrom,
  CONSOLE_ORIGIN,
  exchangeCode,
  loginIdOf,
  pkcePair,
  REDIRECT_URI,
  refresh,
  SCOPE,
  signIn,
  startProvider,
  stopProviders,
  T0,
  verifyToken,
} from './dev-idp-browser';

/**
 * The Authorization Code grant with PKCE over HTTP, as auth0-spa-js drives
 * it: /authorize, the development login page, POST /login, the redirect with
 * a code, and POST /oauth/token; then every refusal along the way.
 */

afterAll(stopProviders);

describe('the code flow', () => {
  it('goes from /authorize through the login page to verifiable ID and access tokens', async () => {
    const test = await startProvider({ defaultPermissions: ['keys:read'] });
    const { provider } = test;
    const browser = new Browser();
    const { verifier, challenge } = pkcePair();

    const page = await browser.get(authorizeUrl(provider, challenge));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('Development identity provider.');
    expect(page.text).toMatch(/<label for="user">User id<\/label><input id="user" name="user"/);
    expect(page.text).toMatch(/<button type="submit">Sign in<\/button>/);
    expect(page.text).toMatch(/<form method="post" action="\/login">/);
    expect(page.text).not.toMatch(/<script/i);
    // The form carries an opaque id, not the request's parameters.
    expect(page.text).not.toContain(challenge);
    expect(page.text).not.toContain('name="redirect_uri"');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain(`form-action 'self' ${CONSOLE_ORIGIN}`);
    expect(csp).not.toContain('script-src');

    const posted = await browser.post(
      `${provider.url}/login`,
      { login: loginIdOf(page.text), user: 'auth0|alice' },
      { origin: provider.url },
    );
    const code = codeFrom(posted);
    const setCookie = posted.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^dev_idp_session=[A-Za-z0-9_-]{43}; /);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Lax');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).toContain('Max-Age=86400');

    const granted = await exchangeCode(provider, code, verifier);
    expect(granted.status).toBe(200);
    expect(granted.headers.get('cache-control')).toBe('no-store');
    expect(granted.json).toEqual({
      access_token: expect.any(String),
      id_token: expect.any(String),
      refresh_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: SCOPE,
    });

    const id = await verifyToken(test, granted.json.id_token, CLIENT.clientId);
    expect(id.protectedHeader).toEqual({ alg: 'RS256', typ: 'JWT', kid: decodeProtectedHeader(await provider.issueToken('x')).kid });
    expect(id.payload).toEqual({
      iss: provider.issuer,
      sub: 'auth0|alice',
      aud: CLIENT.clientId,
      azp: CLIENT.clientId,
      nonce: 'nonce-456',
      name: 'auth0|alice',
      nickname: 'auth0|alice',
      auth_time: T0 / 1000,
      iat: T0 / 1000,
      exp: T0 / 1000 + 36_000,
    });

    // The access token is TokenSigner's, as for the other grants: a login that asks only for OpenID Connect's own
    // scopes asks for no API permission, so it holds the default ones (as an Auth0 user holds their RBAC permissions).
    const access = await verifyToken(test, granted.json.access_token, AUDIENCE);
    expect(access.payload).toEqual({
      iss: provider.issuer,
      sub: 'auth0|alice',
      aud: AUDIENCE,
      scope: SCOPE,
      permissions: ['keys:read'],
      iat: T0 / 1000,
      exp: T0 / 1000 + 3600,
      jti: expect.any(String),
    });
  });

  it('uses the requested audience, and gives neither refresh token nor profile claims unasked', async () => {
    const test = await startProvider();
    const { verifier, challenge } = pkcePair();
    const redirect = await signIn(new Browser(), test.provider, challenge, { audience: 'https://api.example.com', scope: 'openid' });
    const granted = await exchangeCode(test.provider, codeFrom(redirect), verifier);
    expect(granted.status).toBe(200);
    expect(granted.json).not.toHaveProperty('refresh_token');
    expect(granted.json.scope).toBe('openid');
    expect((await verifyToken(test, granted.json.access_token, 'https://api.example.com')).payload.aud).toBe('https://api.example.com');
    const id = decodeJwt(granted.json.id_token);
    expect(id).not.toHaveProperty('name');
    expect(id).not.toHaveProperty('nickname');
  });

  it('gives the default audience, and no ID token without the openid scope', async () => {
    const test = await startProvider();
    const { verifier, challenge } = pkcePair();
    const redirect = await signIn(new Browser(), test.provider, challenge, { audience: undefined, scope: 'keys:read', nonce: undefined });
    const granted = await exchangeCode(test.provider, codeFrom(redirect), verifier);
    expect(granted.json).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, scope: 'keys:read' });
    expect((await verifyToken(test, granted.json.access_token, AUDIENCE)).payload.permissions).toEqual(['keys:read']);
  });

  it('leaves state out of the redirect when the request had none, and keeps the redirect URI query', async () => {
    const withQuery = `${REDIRECT_URI}?tab=keys`;
    const test = await startProvider({ clients: [{ ...CLIENT, redirectUris: [withQuery] }] });
    const { challenge } = pkcePair();
    const redirect = await signIn(new Browser(), test.provider, challenge, { state: undefined, redirect_uri: withQuery });
    const location = new URL(redirect.location!);
    expect(location.searchParams.get('tab')).toBe('keys');
    expect(location.searchParams.has('state')).toBe(false);
    expect(location.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('asks again when the user id is missing, keeping the pending login', async () => {
    const test = await startProvider();
    const browser = new Browser();
    const { challenge } = pkcePair();
    const page = await browser.get(authorizeUrl(test.provider, challenge));
    const loginId = loginIdOf(page.text);
    for (const user of ['', 'u'.repeat(257)]) {
      const again = await browser.post(`${test.provider.url}/login`, { login: loginId, user }, { origin: test.provider.url });
      expect(again.status).toBe(400);
      expect(again.text).toContain('role="alert"');
      expect(loginIdOf(again.text)).toBe(loginId);
      expect(browser.cookies.size).toBe(0);
    }
    const posted = await browser.post(`${test.provider.url}/login`, { login: loginId, user: 'bob' }, { origin: test.provider.url });
    codeFrom(posted);
  });

  it('answers a pending login once, and refuses an unknown or expired one', async () => {
    const test = await startProvider();
    const browser = new Browser();
    const { challenge } = pkcePair();
    const page = await browser.get(authorizeUrl(test.provider, challenge));
    const loginId = loginIdOf(page.text);
    codeFrom(await browser.post(`${test.provider.url}/login`, { login: loginId, user: 'bob' }));
    const twice = await browser.post(`${test.provider.url}/login`, { login: loginId, user: 'mallory' });
    expect(twice.status).toBe(400);
    expect(twice.location).toBeNull();
    expect(twice.text).toContain('unknown or has expired');

    const late = await new Browser().get(authorizeUrl(test.provider, challenge));
    test.advance(600_000);
    const expired = await browser.post(`${test.provider.url}/login`, { login: loginIdOf(late.text), user: 'bob' });
    expect(expired.status).toBe(400);
    expect(expired.location).toBeNull();
  });

  it('holds at most 1000 pending logins: a flood of /authorize evicts the oldest, not memory', async () => {
    const test = await startProvider();
    const browser = new Browser();
    const { challenge } = pkcePair();
    const oldest = loginIdOf((await browser.get(authorizeUrl(test.provider, challenge))).text);
    const second = loginIdOf((await browser.get(authorizeUrl(test.provider, challenge))).text);
    for (let i = 0; i < 999; i += 1) await fetch(authorizeUrl(test.provider, challenge)).then((reply) => reply.text());
    const evicted = await browser.post(`${test.provider.url}/login`, { login: oldest, user: 'bob' });
    expect(evicted.status).toBe(400);
    codeFrom(await browser.post(`${test.provider.url}/login`, { login: second, user: 'bob' }));
  });

  it('escapes what it echoes into the login page', async () => {
    const hostile = '"><img src=x>';
    const test = await startProvider({ clients: [{ ...CLIENT, clientId: hostile }] });
    const { challenge } = pkcePair();
    const page = await new Browser().get(authorizeUrl(test.provider, challenge, { client_id: hostile }));
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('<img');
    expect(page.text).toContain('&#34;&#62;&#60;img src=x&#62;');
  });
});

describe('GET /authorize refusals', () => {
  it.each([
    ['an unknown client', { client_id: 'someone-else' }, 'Unknown client: someone-else'],
    ['no client', { client_id: undefined }, 'client_id parameter is required'],
    ['a redirect URI that is not registered', { redirect_uri: 'http://evil.example/console' }, 'Callback URL mismatch'],
    ['a registered redirect URI with a trailing slash', { redirect_uri: `${REDIRECT_URI}/` }, 'Callback URL mismatch'],
    ['a registered redirect URI prefix', { redirect_uri: `${REDIRECT_URI}/../evil` }, 'Callback URL mismatch'],
    ['a redirect URI with another case', { redirect_uri: REDIRECT_URI.toUpperCase() }, 'Callback URL mismatch'],
    ['no redirect URI', { redirect_uri: undefined }, 'redirect_uri parameter is required'],
    ['an unknown response mode', { response_mode: 'form_post' }, 'Unsupported response_mode'],
  ])('refuses %s with an error page and no redirect', async (_name, overrides, message) => {
    const test = await startProvider();
    const page = await new Browser().get(authorizeUrl(test.provider, pkcePair().challenge, overrides));
    expect(page.status).toBe(400);
    expect(page.location).toBeNull();
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain(message);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('refuses a repeated redirect_uri with an error page', async () => {
    const test = await startProvider();
    const url = `${authorizeUrl(test.provider, pkcePair().challenge)}&redirect_uri=${encodeURIComponent('http://evil.example/')}`;
    const page = await new Browser().get(url);
    expect(page.status).toBe(400);
    expect(page.location).toBeNull();
    expect(page.text).toContain('redirect_uri parameter is given more than once');
  });

  it('escapes what it echoes into the error page', async () => {
    const test = await startProvider();
    const page = await new Browser().get(authorizeUrl(test.provider, pkcePair().challenge, { client_id: '<script>alert(1)</script>' }));
    expect(page.text).not.toContain('<script>');
    expect(page.text).toContain('&#60;script&#62;');
  });

  it.each([
    ['the plain method', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['no method (plain by default)', { code_challenge_method: undefined }, 'invalid_request'],
    ['no challenge', { code_challenge: undefined }, 'invalid_request'],
    ['a challenge too short', { code_challenge: 'a'.repeat(42) }, 'invalid_request'],
    ['a challenge that is not base64url', { code_challenge: `${'a'.repeat(42)}+` }, 'invalid_request'],
    ['response_type=token', { response_type: 'token' }, 'unsupported_response_type'],
    ['an unknown prompt', { prompt: 'maybe' }, 'invalid_request'],
    ['a nonce over 2048 characters', { nonce: 'n'.repeat(2049) }, 'invalid_request'],
  ])('redirects %s back to the client with its error and the state, without a login page', async (_name, overrides, error) => {
    const test = await startProvider();
    const reply = await new Browser().get(authorizeUrl(test.provider, pkcePair().challenge, overrides));
    expect(reply.status).toBe(302);
    const location = new URL(reply.location!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('error')).toBe(error);
    expect(location.searchParams.get('error_description')).toEqual(expect.any(String));
    expect(location.searchParams.get('state')).toBe('state-123');
    expect(location.searchParams.has('code')).toBe(false);
  });
});

describe('POST /login', () => {
  it.each([
    ['another site', { origin: 'http://evil.example' }],
    ['the console, a same-site page on another port', { origin: CONSOLE_ORIGIN }],
    ['a same-site fetch without Origin', { 'sec-fetch-site': 'same-site' }],
    ['an opaque origin', { origin: 'null' }],
  ])('refuses a post from %s: no session, no code, the login still pending', async (_name, headers) => {
    const test = await startProvider();
    const browser = new Browser();
    const { challenge } = pkcePair();
    const page = await browser.get(authorizeUrl(test.provider, challenge));
    const loginId = loginIdOf(page.text);
    const refused = await browser.post(`${test.provider.url}/login`, { login: loginId, user: 'mallory' }, headers);
    expect(refused.status).toBe(403);
    expect(refused.location).toBeNull();
    expect(refused.headers.get('set-cookie')).toBeNull();
    expect(refused.text).toContain('Refused');
    codeFrom(await browser.post(`${test.provider.url}/login`, { login: loginId, user: 'alice' }, { origin: test.provider.url }));
  });
});

describe('POST /oauth/token with grant_type=authorization_code', () => {
  async function issuedCode(options: Parameters<typeof startProvider>[0] = {}) {
    const test = await startProvider(options);
    const { verifier, challenge } = pkcePair();
    const code = codeFrom(await signIn(new Browser(), test.provider, challenge));
    return { test, code, verifier };
  }

  it('refuses an unknown client with 401 invalid_client, leaving the code usable', async () => {
    const { test, code, verifier } = await issuedCode();
    const refused = await exchangeCode(test.provider, code, verifier, { client_id: 'someone-else' });
    expect(refused.status).toBe(401);
    expect(refused.json.error).toBe('invalid_client');
    expect((await exchangeCode(test.provider, code, verifier)).status).toBe(200);
  });

  it('refuses a missing client_id or code with 400 invalid_request', async () => {
    const { test, verifier } = await issuedCode();
    const noClient = await exchangeCode(test.provider, 'x', verifier, { client_id: undefined });
    expect(noClient.status).toBe(400);
    expect(noClient.json.error).toBe('invalid_request');
    const noCode = await exchangeCode(test.provider, '', verifier);
    expect(noCode.status).toBe(400);
    expect(noCode.json.error).toBe('invalid_request');
  });

  it.each([
    ['no code_verifier', () => undefined, 'Failed to verify code verifier'],
    ['the wrong code_verifier', () => pkcePair().verifier, 'Failed to verify code verifier'],
    ['the challenge itself as verifier', (challenge: string) => challenge, 'Failed to verify code verifier'],
  ])('refuses %s with 403 invalid_grant, and the code is spent', async (_name, verifierFor, description) => {
    const test = await startProvider();
    const { verifier, challenge } = pkcePair();
    const code = codeFrom(await signIn(new Browser(), test.provider, challenge));
    const refused = await exchangeCode(test.provider, code, verifierFor(challenge));
    expect(refused.status).toBe(403);
    expect(refused.headers.get('cache-control')).toBe('no-store');
    expect(refused.json).toEqual({ error: 'invalid_grant', error_description: description });
    expect((await exchangeCode(test.provider, code, verifier)).json.error).toBe('invalid_grant');
  });

  it('refuses a reused code, and revokes the refresh token its first use gave', async () => {
    const { test, code, verifier } = await issuedCode();
    const first = await exchangeCode(test.provider, code, verifier);
    expect(first.status).toBe(200);
    const reused = await exchangeCode(test.provider, code, verifier);
    expect(reused.status).toBe(403);
    expect(reused.json.error).toBe('invalid_grant');
    const revoked = await refresh(test.provider, first.json.refresh_token);
    expect(revoked.status).toBe(403);
    expect(revoked.json.error).toBe('invalid_grant');
  });

  it('refuses a code after its 60 seconds', async () => {
    const { test, code, verifier } = await issuedCode();
    test.advance(60_000);
    const expired = await exchangeCode(test.provider, code, verifier);
    expect(expired.status).toBe(403);
    expect(expired.json).toEqual({ error: 'invalid_grant', error_description: 'Authorization code expired' });
  });

  it('takes a code just inside its 60 seconds', async () => {
    const { test, code, verifier } = await issuedCode();
    test.advance(59_999);
    expect((await exchangeCode(test.provider, code, verifier)).status).toBe(200);
  });

  it('refuses a code issued to another registered client', async () => {
    const other = { ...CLIENT, clientId: 'other-app' };
    const { test, code, verifier } = await issuedCode({ clients: [CLIENT, other] });
    const stolen = await exchangeCode(test.provider, code, verifier, { client_id: 'other-app' });
    expect(stolen.status).toBe(403);
    expect(stolen.json.error).toBe('invalid_grant');
  });

  it.each([
    ['another redirect_uri', 'http://127.0.0.1:3000/other'],
    ['no redirect_uri', undefined],
  ])('refuses %s than the code was issued for', async (_name, redirectUri) => {
    const { test, code, verifier } = await issuedCode();
    const refused = await exchangeCode(test.provider, code, verifier, { redirect_uri: redirectUri });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toBe('invalid_grant');
    expect(refused.json.error_description).toContain('redirect_uri');
  });

  it('refuses an unknown code', async () => {
    const { test, verifier } = await issuedCode();
    const refused = await exchangeCode(test.provider, Buffer.alloc(32, 1).toString('base64url'), verifier);
    expect(refused.status).toBe(403);
    expect(refused.json).toEqual({ error: 'invalid_grant', error_description: 'Invalid authorization code' });
  });
});

describe('registered clients', () => {
  it('registers a client after start, and replaces one registered again', async () => {
    const test = await startProvider({ clients: [] });
    const { challenge } = pkcePair();
    expect((await new Browser().get(authorizeUrl(test.provider, challenge))).status).toBe(400);
    test.provider.registerClient(CLIENT);
    expect((await new Browser().get(authorizeUrl(test.provider, challenge))).status).toBe(200);
    test.provider.registerClient({ ...CLIENT, redirectUris: ['http://127.0.0.1:4000/console'] });
    const replaced = await new Browser().get(authorizeUrl(test.provider, challenge));
    expect(replaced.status).toBe(400);
    expect(replaced.text).toContain('Callback URL mismatch');
  });

  it('keeps its own copy of the lists', async () => {
    const redirectUris = [REDIRECT_URI];
    const test = await startProvider({ clients: [] });
    test.provider.registerClient({ ...CLIENT, redirectUris });
    redirectUris.push('http://evil.example/');
    const page = await new Browser().get(authorizeUrl(test.provider, pkcePair().challenge, { redirect_uri: 'http://evil.example/' }));
    expect(page.status).toBe(400);
  });

  it.each([
    ['an empty client id', { clientId: '' }, /clientId/],
    ['a relative redirect URI', { redirectUris: ['/console'] }, /redirect URI "\/console"/],
    ['a redirect URI with a fragment', { redirectUris: [`${REDIRECT_URI}#x`] }, /fragment/],
    ['a javascript: redirect URI', { redirectUris: ['javascript:alert(1)'] }, /redirect URI/],
    ['a logout URL that is no URL', { logoutUrls: ['not a url'] }, /logout URL/],
    ['a web origin with a path', { webOrigins: [`${CONSOLE_ORIGIN}/`] }, /web origin/],
    ['a web origin with a wildcard', { webOrigins: ['http://*.example.com'] }, /web origin/],
    ['a redirect URI with a wildcard', { redirectUris: ['http://*.example.com/console'] }, /redirect URI/],
  ])('refuses %s', async (_name, change, message) => {
    const test = await startProvider({ clients: [] });
    expect(() => {
      test.provider.registerClient({ ...CLIENT, ...change });
    }).toThrow(message);
    await expect(startProvider({ clients: [{ ...CLIENT, ...change }] })).rejects.toThrow(message);
  });
});
