import { createHash, randomBytes } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import {
  startDevIdentityProvider,
  type DevClient,
  type DevIdentityProvider,
  type DevIdentityProviderOptions,
} from '../../../local/dev-identity-provider';

/**
 * Helpers for the development IdP's browser-flow tests: a provider with a
 * registered SPA on a clock the test moves, a cookie-keeping "browser" that
 * never follows redirects (so a test sees where it would go), PKCE pairs,
 * and the sign-in and code exchange steps.
 */

export const AUDIENCE = 'http://127.0.0.1:3000';
export const T0 = Date.parse('2026-06-01T12:00:00Z');
export const CONSOLE_ORIGIN = 'http://127.0.0.1:3000';
export const REDIRECT_URI = `${CONSOLE_ORIGIN}/console`;
export const CLIENT: DevClient = {
  clientId: 'local-console',
  redirectUris: [REDIRECT_URI],
  logoutUrls: [REDIRECT_URI],
  webOrigins: [CONSOLE_ORIGIN],
};
export const SCOPE = 'openid profile offline_access';

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly location: string | null;
  readonly text: string;
  readonly json: any;
}

export interface TestProvider {
  readonly provider: DevIdentityProvider;
  advance(ms: number): void;
  now(): number;
}

const started: DevIdentityProvider[] = [];

/** Stops every provider started through `startProvider`: call from afterAll. */
export async function stopProviders(): Promise<void> {
  await Promise.all(started.splice(0).map((provider) => provider.stop()));
}

export async function startProvider(options: Partial<DevIdentityProviderOptions> = {}): Promise<TestProvider> {
  let clock = T0;
  const provider = await startDevIdentityProvider({ port: 0, audience: AUDIENCE, now: () => clock, clients: [CLIENT], ...options });
  started.push(provider);
  return { provider, advance: (ms) => (clock += ms), now: () => clock };
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

async function reply(response: Response): Promise<Reply> {
  const text = await response.text();
  const contentType = response.headers.get('content-type') ?? '';
  return {
    status: response.status,
    headers: response.headers,
    location: response.headers.get('location'),
    text,
    json: contentType.includes('application/json') ? JSON.parse(text) : undefined,
  };
}

/** Keeps cookies the way a browser would for 127.0.0.1 (any port), and never follows a redirect. */
export class Browser {
  readonly cookies = new Map<string, string>();

  async get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
    return this.send(url, { method: 'GET', headers });
  }

  async post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Reply> {
    return this.send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
  }

  private async send(url: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<Reply> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, { ...init, headers: { ...init.headers, ...(cookie !== '' ? { cookie } : {}) }, redirect: 'manual' });
    for (const setCookie of response.headers.getSetCookie()) {
      const [pair = ''] = setCookie.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (/max-age=0/i.test(setCookie) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return reply(response);
  }
}

/** auth0-spa-js's authorize parameters, with `overrides` (undefined drops one). */
export function authorizeUrl(provider: DevIdentityProvider, challenge: string, overrides: Record<string, string | undefined> = {}): string {
  const params: Record<string, string | undefined> = {
    client_id: CLIENT.clientId,
    audience: AUDIENCE,
    redirect_uri: REDIRECT_URI,
    scope: SCOPE,
    response_type: 'code',
    response_mode: 'query',
    state: 'state-123',
    nonce: 'nonce-456',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    auth0Client: 'eyJuYW1lIjoiYXV0aDAtc3BhLWpzIn0=',
    ...overrides,
  };
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) query.set(name, value);
  return `${provider.url}/authorize?${query.toString()}`;
}

/** The pending-login id in a login page's form. */
export function loginIdOf(page: string): string {
  const id = /name="login" value="([^"]+)"/.exec(page)?.[1];
  if (id === undefined) throw new Error('not a login page');
  return id;
}

/**
 * Goes through the login page as `user`: the authorize request, the form,
 * its post from the provider's own page. Answers the post's reply (a 302 to
 * the redirect URI, for response_mode=query).
 */
export async function signIn(
  browser: Browser,
  provider: DevIdentityProvider,
  challenge: string,
  overrides: Record<string, string | undefined> = {},
  user = 'auth0|alice',
): Promise<Reply> {
  const page = await browser.get(authorizeUrl(provider, challenge, overrides));
  if (page.status !== 200) throw new Error(`authorize answered ${page.status}: ${page.text}`);
  return browser.post(
    `${provider.url}/login`,
    { login: loginIdOf(page.text), user },
    { origin: provider.url, 'sec-fetch-site': 'same-origin' },
  );
}

/** The code a redirect carries, after checking it goes to the redirect URI with our state. */
export function codeFrom(redirect: Reply, state = 'state-123'): string {
  expect(redirect.status).toBe(302);
  const location = new URL(redirect.location!);
  expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
  expect(location.searchParams.get('state')).toBe(state);
  const code = location.searchParams.get('code');
  expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return code!;
}

/** POST /oauth/token, form-encoded with an Auth0-Client header, as auth0-spa-js sends it. */
export async function tokenRequest(
  provider: DevIdentityProvider,
  params: Record<string, string | undefined>,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) form.set(name, value);
  const response = await fetch(`${provider.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'auth0-client': 'eyJuYW1lIjoiYXV0aDAtc3BhLWpzIn0=', ...headers },
    body: form.toString(),
  });
  return reply(response);
}

export function exchangeCode(
  provider: DevIdentityProvider,
  code: string,
  verifier: string | undefined,
  overrides: Record<string, string | undefined> = {},
): Promise<Reply> {
  return tokenRequest(provider, {
    client_id: CLIENT.clientId,
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: REDIRECT_URI,
    ...overrides,
  });
}

export function refresh(provider: DevIdentityProvider, refreshToken: string, clientId = CLIENT.clientId): Promise<Reply> {
  return tokenRequest(provider, {
    client_id: clientId,
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    redirect_uri: REDIRECT_URI,
  });
}

/** Signs in and exchanges the code: the token response. */
export async function signInForTokens(
  test: TestProvider,
  overrides: Record<string, string | undefined> = {},
  user = 'auth0|alice',
): Promise<Reply> {
  const { verifier, challenge } = pkcePair();
  const redirect = await signIn(new Browser(), test.provider, challenge, overrides, user);
  const granted = await exchangeCode(test.provider, codeFrom(redirect), verifier);
  expect(granted.status).toBe(200);
  return granted;
}

/** Verifies `token` against the provider's JWKS, at the provider's time. */
export async function verifyToken(test: TestProvider, token: string, audience: string) {
  const jwks = (await (await fetch(test.provider.jwksUri)).json()) as JSONWebKeySet;
  return jwtVerify(token, createLocalJWKSet(jwks), {
    issuer: test.provider.issuer,
    audience,
    algorithms: ['RS256'],
    currentDate: new Date(test.now()),
  });
}
