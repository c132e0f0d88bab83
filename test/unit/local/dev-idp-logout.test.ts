import {
  authorizeUrl,
  Browser,
  CLIENT,
  codeFrom,
  CONSOLE_ORIGIN,
  pkcePair,
  REDIRECT_URI,
  signIn,
  startProvider,
  stopProviders,
} from './dev-idp-browser';

/**
 * GET /v2/logout as Auth0's: the session ends (server-side and its cookie),
 * and the browser goes on only to one of the client's logout URLs.
 */

afterAll(stopProviders);

async function signedIn() {
  const test = await startProvider();
  const browser = new Browser();
  codeFrom(await signIn(browser, test.provider, pkcePair().challenge));
  return { test, browser, session: browser.cookies.get('dev_idp_session')! };
}

function logoutUrl(url: string, params: Record<string, string>): string {
  return `${url}/v2/logout?${new URLSearchParams(params).toString()}`;
}

/** Whether a browser holding `session` is still signed in (prompt=none answers with a code). */
async function stillSignedIn(provider: Parameters<typeof authorizeUrl>[0], session: string): Promise<boolean> {
  const browser = new Browser();
  browser.cookies.set('dev_idp_session', session);
  const reply = await browser.get(authorizeUrl(provider, pkcePair().challenge, { prompt: 'none' }));
  return new URL(reply.location!).searchParams.has('code');
}

describe('GET /v2/logout', () => {
  it('ends the session and redirects to a registered returnTo', async () => {
    const { test, browser, session } = await signedIn();
    expect(await stillSignedIn(test.provider, session)).toBe(true);
    const reply = await browser.get(logoutUrl(test.provider.url, { client_id: CLIENT.clientId, returnTo: REDIRECT_URI }));
    expect(reply.status).toBe(302);
    expect(reply.location).toBe(REDIRECT_URI);
    expect(reply.headers.get('set-cookie')).toMatch(/^dev_idp_session=; HttpOnly; SameSite=Lax; Path=\/; Max-Age=0$/);
    expect(browser.cookies.has('dev_idp_session')).toBe(false);
    // Ended server-side too: the old cookie no longer signs anyone in.
    expect(await stillSignedIn(test.provider, session)).toBe(false);
  });

  it.each([
    ['an unregistered returnTo', { client_id: CLIENT.clientId, returnTo: 'http://evil.example/' }],
    ['a registered returnTo with a suffix', { client_id: CLIENT.clientId, returnTo: `${REDIRECT_URI}.evil.example` }],
    ['a registered returnTo of an unknown client', { client_id: 'someone-else', returnTo: REDIRECT_URI }],
    ['a returnTo without client_id', { returnTo: REDIRECT_URI }],
  ])('ends the session but never redirects to %s: a logged-out page instead', async (_name, params) => {
    const { test, browser, session } = await signedIn();
    const reply = await browser.get(logoutUrl(test.provider.url, params));
    expect(reply.status).toBe(200);
    expect(reply.location).toBeNull();
    expect(reply.headers.get('content-type')).toMatch(/^text\/html/);
    expect(reply.text).toContain('logged out');
    expect(reply.text).toContain('Not sent on to');
    expect(await stillSignedIn(test.provider, session)).toBe(false);
  });

  it('escapes the returnTo it names', async () => {
    const { test, browser } = await signedIn();
    const reply = await browser.get(logoutUrl(test.provider.url, { client_id: CLIENT.clientId, returnTo: '<img src=x>' }));
    expect(reply.text).not.toContain('<img');
    expect(reply.text).toContain('&#60;img src=x&#62;');
  });

  it("without returnTo, goes to the client's first logout URL, as Auth0 does", async () => {
    const test = await startProvider({ clients: [{ ...CLIENT, logoutUrls: [`${CONSOLE_ORIGIN}/bye`, REDIRECT_URI] }] });
    const reply = await new Browser().get(logoutUrl(test.provider.url, { client_id: CLIENT.clientId }));
    expect(reply.status).toBe(302);
    expect(reply.location).toBe(`${CONSOLE_ORIGIN}/bye`);
  });

  it('without returnTo or logout URLs, shows the logged-out page', async () => {
    const test = await startProvider({ clients: [{ ...CLIENT, logoutUrls: [] }] });
    const reply = await new Browser().get(logoutUrl(test.provider.url, { client_id: CLIENT.clientId }));
    expect(reply.status).toBe(200);
    expect(reply.location).toBeNull();
    expect(reply.text).toContain('logged out');
  });
});
