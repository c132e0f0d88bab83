import { DEVICE_CODE_GRANT_TYPE, startDevIdentityProvider, type DevIdentityProvider } from '../../../local/dev-identity-provider';

/**
 * POST /activate over HTTP: another site's page is refused (CSRF), and wrong
 * user codes are limited (a shared budget, then a lock per waiting code,
 * counting the wrong codes that share its first four letters).
 */

const AUDIENCE = 'http://127.0.0.1:3000';
const T0 = Date.parse('2026-06-01T12:00:00Z');
/** Never issued: user codes have no vowels. */
const WRONG = 'BBBB-BBBA';

/** A wrong code aimed at `userCode`: its first half, and a second half never issued (no vowels). */
function nearMiss(userCode: string): string {
  return `${userCode.slice(0, 4)}-BBBA`;
}

interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly retryAfter: string | null;
  readonly text: string;
  readonly json: { error?: string; error_description?: string; approved?: boolean; user?: string } | undefined;
}

const providers: DevIdentityProvider[] = [];

afterAll(async () => {
  await Promise.all(providers.map((provider) => provider.stop()));
});

async function startProvider(): Promise<{ provider: DevIdentityProvider; advance: (ms: number) => void }> {
  let clock = T0;
  const provider = await startDevIdentityProvider({ port: 0, audience: AUDIENCE, now: () => clock, devicePollIntervalSeconds: 0 });
  providers.push(provider);
  return { provider, advance: (ms) => (clock += ms) };
}

async function post(url: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<Reply> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params).toString(),
  });
  const text = await response.text();
  const contentType = response.headers.get('content-type') ?? '';
  return {
    status: response.status,
    contentType,
    retryAfter: response.headers.get('retry-after'),
    text,
    json: contentType.includes('application/json') ? (JSON.parse(text) as Reply['json']) : undefined,
  };
}

const JSON_ACCEPT = { accept: 'application/json' };

async function userCode(provider: DevIdentityProvider): Promise<{ userCode: string; deviceCode: string }> {
  const reply = await post(`${provider.url}/oauth/device/code`, { client_id: 'my-cli' });
  const body = JSON.parse(reply.text) as { user_code: string; device_code: string };
  return { userCode: body.user_code, deviceCode: body.device_code };
}

function activate(provider: DevIdentityProvider, code: string, headers: Record<string, string> = JSON_ACCEPT): Promise<Reply> {
  return post(`${provider.url}/activate`, { user_code: code, user: 'alice', action: 'approve' }, headers);
}

async function pollError(provider: DevIdentityProvider, deviceCode: string): Promise<Reply['json']> {
  const reply = await post(`${provider.url}/oauth/token`, {
    grant_type: DEVICE_CODE_GRANT_TYPE,
    device_code: deviceCode,
    client_id: 'my-cli',
  });
  return reply.json;
}

async function wrongCodes(provider: DevIdentityProvider, count: number, wrong = WRONG): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i += 1) statuses.push((await activate(provider, wrong)).status);
  return statuses;
}

describe('POST /activate and the Origin of the page that sent it', () => {
  it("accepts the activation page's own form: it posts to its own origin", async () => {
    const { provider } = await startProvider();
    const page = await (await fetch(`${provider.url}/activate`)).text();
    const action = /<form[^>]+action="([^"]+)"/.exec(page)?.[1] ?? '';
    // What a browser sends with that form: the page's origin.
    expect(new URL(action, `${provider.url}/activate`).origin).toBe(provider.url);
    const code = await userCode(provider);
    const reply = await activate(provider, code.userCode, { origin: provider.url, 'sec-fetch-site': 'same-origin' });
    expect(reply.status).toBe(200);
    expect(reply.contentType).toMatch(/^text\/html/);
    expect(reply.text).toMatch(/approved/i);
  });

  it('accepts the same port under localhost', async () => {
    const { provider } = await startProvider();
    const code = await userCode(provider);
    const origin = provider.url.replace('127.0.0.1', 'localhost');
    expect((await activate(provider, code.userCode, { ...JSON_ACCEPT, origin })).json).toEqual({ approved: true, user: 'alice' });
  });

  it('accepts a request without Origin or Sec-Fetch-Site (curl, the CLI, tests)', async () => {
    const { provider } = await startProvider();
    const code = await userCode(provider);
    expect((await activate(provider, code.userCode)).json).toEqual({ approved: true, user: 'alice' });
  });

  it.each([
    ['another site', { origin: 'http://evil.example' }, 'Origin: http://evil.example'],
    ['another port of this machine', { origin: 'http://127.0.0.1:3000' }, 'Origin: http://127.0.0.1:3000'],
    ['a DNS-rebound name on our port', { origin: 'http://evil.example:PORT' }, 'Origin: http://evil.example:'],
    ['an opaque origin', { origin: 'null' }, 'Origin: null'],
    ['a cross-site fetch without Origin', { 'sec-fetch-site': 'cross-site' }, 'Sec-Fetch-Site: cross-site'],
    ['a same-site request, even naming our Origin', { origin: 'PROVIDER', 'sec-fetch-site': 'same-site' }, 'Sec-Fetch-Site: same-site'],
  ])('refuses %s with 403, as HTML and as JSON, leaving the code pending', async (_name, template, reason) => {
    const { provider } = await startProvider();
    const port = new URL(provider.url).port;
    const headers = Object.fromEntries(
      Object.entries(template).map(([name, value]) => [name, value.replace('PORT', port).replace('PROVIDER', provider.url)]),
    );
    const code = await userCode(provider);
    const html = await activate(provider, code.userCode, headers);
    expect(html.status).toBe(403);
    expect(html.contentType).toMatch(/^text\/html/);
    expect(html.text).toContain(reason);
    const json = await activate(provider, code.userCode, { ...headers, ...JSON_ACCEPT });
    expect(json.status).toBe(403);
    expect(json.json?.error).toBe('invalid_origin');
    expect(json.json?.error_description).toContain(reason);
    expect((await pollError(provider, code.deviceCode))?.error).toBe('authorization_pending');
  });

  it('refuses a cross-site denial too, and does not count refusals as wrong codes', async () => {
    const { provider } = await startProvider();
    const code = await userCode(provider);
    const evil = { ...JSON_ACCEPT, origin: 'http://evil.example' };
    const denied = await post(`${provider.url}/activate`, { user_code: code.userCode, action: 'deny' }, evil);
    expect(denied.status).toBe(403);
    for (let i = 0; i < 20; i += 1) expect((await activate(provider, nearMiss(code.userCode), evil)).status).toBe(403);
    expect((await activate(provider, code.userCode)).status).toBe(200);
  });
});

describe('POST /activate and wrong user codes', () => {
  it('answers 429 with Retry-After to every attempt after 10 wrong codes, until the minute ends', async () => {
    const { provider, advance } = await startProvider();
    expect(await wrongCodes(provider, 10)).toEqual(Array(10).fill(400));
    // Issued after the wrong codes, so not locked: only the budget refuses it.
    const code = await userCode(provider);
    const json = await activate(provider, code.userCode);
    expect(json.status).toBe(429);
    expect(json.retryAfter).toBe('60');
    expect(json.json?.error).toBe('too_many_requests');
    advance(59_999);
    const html = await activate(provider, code.userCode, {});
    expect(html.status).toBe(429);
    expect(html.retryAfter).toBe('1');
    expect(html.contentType).toMatch(/^text\/html/);
    expect(html.text).toContain('Too many wrong user codes');
    advance(1);
    expect((await activate(provider, code.userCode)).json).toEqual({ approved: true, user: 'alice' });
  });

  it('approves a code that waited through 4 wrong codes aimed at it', async () => {
    const { provider } = await startProvider();
    const code = await userCode(provider);
    expect(await wrongCodes(provider, 4, nearMiss(code.userCode))).toEqual(Array(4).fill(400));
    expect((await activate(provider, code.userCode)).status).toBe(200);
  });

  it('locks a code at the 5th wrong code aimed at it: 403 to its approval, access_denied to its poll', async () => {
    const { provider } = await startProvider();
    const code = await userCode(provider);
    expect(await wrongCodes(provider, 5, nearMiss(code.userCode))).toEqual(Array(5).fill(400));
    const json = await activate(provider, code.userCode);
    expect(json.status).toBe(403);
    expect(json.json?.error).toBe('code_locked');
    const html = await activate(provider, code.userCode, {});
    expect(html.status).toBe(403);
    expect(html.contentType).toMatch(/^text\/html/);
    expect(html.text).toContain('locked');
    const polled = await pollError(provider, code.deviceCode);
    expect(polled?.error).toBe('access_denied');
    expect(polled?.error_description).toContain('locked');
    expect(provider.approveDeviceCode(code.userCode, 'alice')).toBe(false);
  });

  it("leaves a pending code approvable after a stranger's 5 wrong codes for other codes", async () => {
    const { provider } = await startProvider();
    const code = await userCode(provider);
    // The review's XXXX-XXXX, unless that shares the code's first half.
    const stranger = code.userCode.startsWith('XXXX') ? 'ZZZZ-ZZZZ' : 'XXXX-XXXX';
    expect(await wrongCodes(provider, 5, stranger)).toEqual(Array(5).fill(400));
    expect((await pollError(provider, code.deviceCode))?.error).toBe('authorization_pending');
    expect((await activate(provider, code.userCode)).json).toEqual({ approved: true, user: 'alice' });
  });

  it("locks only the code that was mistyped, not another person's", async () => {
    const { provider } = await startProvider();
    const mistyped = await userCode(provider);
    let other = await userCode(provider);
    while (other.userCode.slice(0, 4) === mistyped.userCode.slice(0, 4)) other = await userCode(provider);
    expect(await wrongCodes(provider, 5, nearMiss(mistyped.userCode))).toEqual(Array(5).fill(400));
    expect((await activate(provider, mistyped.userCode)).json?.error).toBe('code_locked');
    expect((await activate(provider, other.userCode)).json).toEqual({ approved: true, user: 'alice' });
  });
});
