import { runInNewContext } from 'node:vm';
import { decodeJwt } from 'jose';
import {
  authorizeUrl,
  Browser,
  CLIENT,
  codeFrom,
  CONSOLE_ORIGIN,
  exchangeCode,
  pkcePair,
  REDIRECT_URI,
  signIn,
  startProvider,
  stopProviders,
  T0,
  type Reply,
  type TestProvider,
} from './dev-idp-browser';

/**
 * Silent authentication as auth0-spa-js does it after a reload: a hidden
 * iframe loads /authorize with prompt=none&response_mode=web_message and
 * waits for the page to post the answer. Also prompt=none answered by
 * redirect, single sign-on, prompt=login, and the web-message page's CSP.
 */

afterAll(stopProviders);

interface Posted {
  readonly message: any;
  readonly targetOrigin: string;
}

/**
 * Runs the web-message page's one script against a stand-in window whose
 * parent records what it is sent; checks the CSP lets that script, and only
 * it, run.
 */
function postedBy(page: Reply): Posted {
  expect(page.status).toBe(200);
  const scripts = [...page.text.matchAll(/<script nonce="([^"]+)">([\s\S]*?)<\/script>/g)];
  expect(scripts).toHaveLength(1);
  expect(page.text.match(/<script/g)).toHaveLength(1);
  const [, nonce, source] = scripts[0]!;
  const csp = page.headers.get('content-security-policy')!;
  const scriptSrc = /script-src ([^;]*)/.exec(csp)![1]!;
  expect(scriptSrc).toBe(`'nonce-${nonce}'`);
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).toContain("default-src 'none'");
  const posted: Posted[] = [];
  const parent = { postMessage: (message: unknown, targetOrigin: string) => posted.push({ message, targetOrigin }) };
  runInNewContext(source!, { window: { opener: null, parent } });
  expect(posted).toHaveLength(1);
  return JSON.parse(JSON.stringify(posted[0])) as Posted;
}

function silentUrl(test: TestProvider, challenge: string, overrides: Record<string, string | undefined> = {}): string {
  return authorizeUrl(test.provider, challenge, { prompt: 'none', response_mode: 'web_message', ...overrides });
}

async function signedInBrowser(test: TestProvider): Promise<Browser> {
  const browser = new Browser();
  codeFrom(await signIn(browser, test.provider, pkcePair().challenge));
  expect(browser.cookies.has('dev_idp_session')).toBe(true);
  return browser;
}

describe('prompt=none without a session', () => {
  it('answers login_required by web message to the redirect URI origin, with the state', async () => {
    const test = await startProvider();
    const page = await new Browser().get(silentUrl(test, pkcePair().challenge));
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('content-security-policy')).toContain(`frame-ancestors ${CONSOLE_ORIGIN}`);
    expect(postedBy(page)).toEqual({
      message: {
        type: 'authorization_response',
        response: { error: 'login_required', error_description: 'Login required', state: 'state-123' },
      },
      targetOrigin: CONSOLE_ORIGIN,
    });
    expect(page.text).not.toContain('"*"');
  });

  it('answers login_required by redirect in the query mode', async () => {
    const test = await startProvider();
    const reply = await new Browser().get(authorizeUrl(test.provider, pkcePair().challenge, { prompt: 'none' }));
    expect(reply.status).toBe(302);
    const location = new URL(reply.location!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('error')).toBe('login_required');
    expect(location.searchParams.get('state')).toBe('state-123');
  });

  it('treats a forged session cookie as no session', async () => {
    const test = await startProvider();
    const browser = new Browser();
    browser.cookies.set('dev_idp_session', Buffer.alloc(32, 9).toString('base64url'));
    expect(postedBy(await browser.get(silentUrl(test, pkcePair().challenge))).message.response.error).toBe('login_required');
  });

  it('answers login_required once the session is 24 hours old', async () => {
    const test = await startProvider();
    const browser = await signedInBrowser(test);
    test.advance(24 * 60 * 60 * 1000 - 1);
    expect(postedBy(await browser.get(silentUrl(test, pkcePair().challenge))).message.response.code).toEqual(expect.any(String));
    test.advance(1);
    expect(postedBy(await browser.get(silentUrl(test, pkcePair().challenge))).message.response.error).toBe('login_required');
  });
});

describe('prompt=none with a session', () => {
  it('posts a code that exchanges for tokens with the new nonce and the first sign-in time', async () => {
    const test = await startProvider();
    const browser = await signedInBrowser(test);
    test.advance(5 * 60 * 1000);
    const { verifier, challenge } = pkcePair();
    const page = await browser.get(silentUrl(test, challenge, { state: 'silent-state', nonce: 'silent-nonce' }));
    const { message, targetOrigin } = postedBy(page);
    expect(targetOrigin).toBe(CONSOLE_ORIGIN);
    expect(message).toEqual({ type: 'authorization_response', response: { code: expect.any(String), state: 'silent-state' } });
    const granted = await exchangeCode(test.provider, message.response.code, verifier);
    expect(granted.status).toBe(200);
    const id = decodeJwt(granted.json.id_token);
    expect(id.nonce).toBe('silent-nonce');
    expect(id.sub).toBe('auth0|alice');
    expect(id.auth_time).toBe(T0 / 1000);
    expect(id.iat).toBe(T0 / 1000 + 300);
  });

  it('redirects with a code in the query mode', async () => {
    const test = await startProvider();
    const browser = await signedInBrowser(test);
    const { verifier, challenge } = pkcePair();
    const code = codeFrom(await browser.get(authorizeUrl(test.provider, challenge, { prompt: 'none' })));
    expect((await exchangeCode(test.provider, code, verifier)).status).toBe(200);
  });

  it('signs in at once without prompt (single sign-on), but shows the login page for prompt=login', async () => {
    const test = await startProvider();
    const browser = await signedInBrowser(test);
    codeFrom(await browser.get(authorizeUrl(test.provider, pkcePair().challenge)));
    const page = await browser.get(authorizeUrl(test.provider, pkcePair().challenge, { prompt: 'login' }));
    expect(page.status).toBe(200);
    expect(page.text).toContain('User id');
  });

  it('a new sign-in ends the session before it', async () => {
    const test = await startProvider();
    const browser = await signedInBrowser(test);
    const before = browser.cookies.get('dev_idp_session')!;
    codeFrom(await signIn(browser, test.provider, pkcePair().challenge, { prompt: 'login' }, 'bob'));
    expect(browser.cookies.get('dev_idp_session')).not.toBe(before);
    const old = new Browser();
    old.cookies.set('dev_idp_session', before);
    expect(postedBy(await old.get(silentUrl(test, pkcePair().challenge))).message.response.error).toBe('login_required');
  });
});

describe('the web-message page', () => {
  it('uses a new script nonce for every answer', async () => {
    const test = await startProvider();
    const csp = async () => (await new Browser().get(silentUrl(test, pkcePair().challenge))).headers.get('content-security-policy');
    expect(await csp()).not.toBe(await csp());
  });

  it('lets every registered web origin of the client frame it, and nobody else', async () => {
    const test = await startProvider({ clients: [{ ...CLIENT, webOrigins: [CONSOLE_ORIGIN, 'http://localhost:3000'] }] });
    const page = await new Browser().get(silentUrl(test, pkcePair().challenge));
    expect(page.headers.get('content-security-policy')).toMatch(/frame-ancestors http:\/\/127\.0\.0\.1:3000 http:\/\/localhost:3000$/);
  });

  it('keeps a hostile state inside its string: no script break-out, no line separators', async () => {
    const test = await startProvider();
    const state = '</script><script>alert(1)</script>\u2028\u2029<!--';
    const page = await new Browser().get(silentUrl(test, pkcePair().challenge, { state }));
    expect(page.text).not.toContain('</script><script>');
    expect(page.text).not.toContain('<!--');
    expect(page.text).not.toMatch(/[\u2028\u2029]/);
    expect(postedBy(page).message.response.state).toBe(state);
  });

  it('is refused when the redirect URI origin is not one of the client web origins', async () => {
    const test = await startProvider({ clients: [{ ...CLIENT, webOrigins: ['http://localhost:3000'] }] });
    const page = await new Browser().get(silentUrl(test, pkcePair().challenge));
    expect(page.status).toBe(400);
    expect(page.text).toContain('not one of the allowed web origins');
    expect(page.text).not.toMatch(/<script/i);
  });

  it('answers other errors by web message too', async () => {
    const test = await startProvider();
    const page = await new Browser().get(silentUrl(test, pkcePair().challenge, { code_challenge_method: 'plain' }));
    expect(postedBy(page).message.response).toEqual({
      error: 'invalid_request',
      error_description: expect.any(String),
      state: 'state-123',
    });
  });
});
