import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from 'jose';
import {
  DEVICE_CODE_GRANT_TYPE,
  startDevIdentityProvider,
  type DevIdentityProvider,
  type DevIdentityProviderOptions,
} from '../../../local/dev-identity-provider';

const AUDIENCE = 'http://127.0.0.1:3000';
const USER_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;
const T0 = Date.parse('2026-06-01T12:00:00Z');

interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly cacheControl: string | null;
  readonly text: string;
  readonly json: any;
}

interface DeviceCodeReply {
  readonly device_code: string;
  readonly user_code: string;
  readonly verification_uri: string;
  readonly verification_uri_complete: string;
  readonly expires_in: number;
  readonly interval: number;
}

const providers: DevIdentityProvider[] = [];
/** Each provider's clock: its tokens are verified at its time, not the machine's. */
const clocks = new Map<DevIdentityProvider, () => number>();

afterAll(async () => {
  await Promise.all(providers.map((provider) => provider.stop()));
});

/** A provider on 127.0.0.1, port 0, with a clock the test moves (milliseconds). */
async function startProvider(options: Partial<DevIdentityProviderOptions> = {}): Promise<{
  provider: DevIdentityProvider;
  advance: (ms: number) => void;
}> {
  let clock = T0;
  const provider = await startDevIdentityProvider({ port: 0, audience: AUDIENCE, now: () => clock, ...options });
  providers.push(provider);
  clocks.set(provider, () => clock);
  return { provider, advance: (ms) => (clock += ms) };
}

async function request(
  url: string,
  init: { method?: string; body?: Record<string, string> | string; form?: boolean; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined;
  if (typeof init.body === 'string') {
    body = init.body;
  } else if (init.body !== undefined && init.form === true) {
    body = new URLSearchParams(init.body).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(url, {
    method: init.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const text = await response.text();
  const contentType = response.headers.get('content-type') ?? '';
  return {
    status: response.status,
    contentType,
    cacheControl: response.headers.get('cache-control'),
    text,
    json: contentType.includes('application/json') ? JSON.parse(text) : undefined,
  };
}

async function requestDeviceCode(
  provider: DevIdentityProvider,
  params: Record<string, string> = { client_id: 'my-cli' },
  form = false,
): Promise<DeviceCodeReply> {
  const reply = await request(`${provider.url}/oauth/device/code`, { body: params, form });
  expect(reply.status).toBe(200);
  return reply.json as DeviceCodeReply;
}

function poll(provider: DevIdentityProvider, deviceCode: string, clientId = 'my-cli', form = true): Promise<Reply> {
  return request(`${provider.url}/oauth/token`, {
    body: { grant_type: DEVICE_CODE_GRANT_TYPE, device_code: deviceCode, client_id: clientId },
    form,
  });
}

function activate(
  provider: DevIdentityProvider,
  body: Record<string, string>,
  options: { form?: boolean; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return request(`${provider.url}/activate`, { body, ...options });
}

async function verify(provider: DevIdentityProvider, token: string, audience = AUDIENCE) {
  const jwks = (await request(provider.jwksUri)).json as JSONWebKeySet;
  return jwtVerify(token, createLocalJWKSet(jwks), {
    issuer: provider.issuer,
    audience,
    algorithms: ['RS256'],
    currentDate: new Date(clocks.get(provider)!()),
  });
}

describe('discovery', () => {
  it('advertises the endpoints, grant types, PKCE method and response modes', async () => {
    const { provider } = await startProvider();
    const config = (await request(`${provider.url}/.well-known/openid-configuration`)).json;
    expect(config.device_authorization_endpoint).toBe(`${provider.url}/oauth/device/code`);
    expect(config.authorization_endpoint).toBe(`${provider.url}/authorize`);
    expect(config.end_session_endpoint).toBe(`${provider.url}/v2/logout`);
    expect(config.grant_types_supported).toEqual([
      'authorization_code',
      'refresh_token',
      'client_credentials',
      'urn:ietf:params:oauth:grant-type:device_code',
    ]);
    expect(config.response_types_supported).toEqual(['code']);
    expect(config.code_challenge_methods_supported).toEqual(['S256']);
    expect(config.response_modes_supported).toEqual(['query', 'web_message']);
    expect(config.token_endpoint).toBe(`${provider.url}/oauth/token`);
    expect(config.issuer).toBe(`${provider.url}/`);
  });
});

describe('POST /oauth/device/code', () => {
  it('answers with Auth0-shaped fields and the default lifetime and interval', async () => {
    const { provider } = await startProvider();
    const reply = await request(`${provider.url}/oauth/device/code`, { body: { client_id: 'my-cli' } });
    expect(reply.status).toBe(200);
    expect(reply.cacheControl).toBe('no-store');
    const code = reply.json as DeviceCodeReply;
    expect(Object.keys(code).sort()).toEqual(
      ['device_code', 'expires_in', 'interval', 'user_code', 'verification_uri', 'verification_uri_complete'].sort(),
    );
    expect(code.device_code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(code.device_code, 'base64url')).toHaveLength(32);
    expect(code.user_code).toMatch(USER_CODE);
    expect(code.verification_uri).toBe(`${provider.url}/activate`);
    expect(code.verification_uri_complete).toBe(`${provider.url}/activate?user_code=${code.user_code}`);
    expect(code.expires_in).toBe(600);
    expect(code.interval).toBe(5);
  });

  it('uses the configured lifetime and interval', async () => {
    const { provider } = await startProvider({ deviceCodeLifetimeSeconds: 120, devicePollIntervalSeconds: 0 });
    const code = await requestDeviceCode(provider);
    expect(code.expires_in).toBe(120);
    expect(code.interval).toBe(0);
  });

  it('hands out a different device code and user code each time', async () => {
    const { provider } = await startProvider();
    const first = await requestDeviceCode(provider);
    const second = await requestDeviceCode(provider);
    expect(second.device_code).not.toBe(first.device_code);
    expect(second.user_code).not.toBe(first.user_code);
  });

  it('accepts a form-encoded body', async () => {
    const { provider } = await startProvider();
    const code = await requestDeviceCode(provider, { client_id: 'my-cli', scope: 'keys:write' }, true);
    expect(code.user_code).toMatch(USER_CODE);
  });

  it.each([
    ['JSON, no client_id', { audience: AUDIENCE }, false],
    ['form, no client_id', { scope: 'openid' }, true],
    ['empty client_id', { client_id: '' }, false],
    ['client_id over 256 characters', { client_id: 'c'.repeat(257) }, true],
  ])('refuses %s with 400 invalid_request', async (_name, body, form) => {
    const { provider } = await startProvider();
    const reply = await request(`${provider.url}/oauth/device/code`, { body, form });
    expect(reply.status).toBe(400);
    expect(reply.json.error).toBe('invalid_request');
    expect(reply.json.error_description).toEqual(expect.stringContaining('client_id'));
  });

  it('accepts a client_id of exactly 256 characters', async () => {
    const { provider } = await startProvider();
    const reply = await request(`${provider.url}/oauth/device/code`, { body: { client_id: 'c'.repeat(256) } });
    expect(reply.status).toBe(200);
  });

  it('refuses a body that is not JSON despite its content type', async () => {
    const { provider } = await startProvider();
    const reply = await request(`${provider.url}/oauth/device/code`, {
      body: '{not json',
      headers: { 'content-type': 'application/json' },
    });
    expect(reply.status).toBe(400);
    expect(reply.json.error).toBe('invalid_request');
  });

  it('holds a bounded number of codes, making room as they expire', async () => {
    const { provider, advance } = await startProvider({ maxDeviceCodes: 2, deviceCodeLifetimeSeconds: 60 });
    await requestDeviceCode(provider);
    await requestDeviceCode(provider);
    const refused = await request(`${provider.url}/oauth/device/code`, { body: { client_id: 'my-cli' } });
    expect(refused.status).toBe(429);
    expect(refused.json.error).toBe('too_many_requests');
    advance(60_000);
    const after = await request(`${provider.url}/oauth/device/code`, { body: { client_id: 'my-cli' } });
    expect(after.status).toBe(200);
  });
});

describe('the device flow', () => {
  it('goes from pending to an approved, verifiable token, once', async () => {
    const { provider } = await startProvider({ devicePollIntervalSeconds: 0 });
    const code = await requestDeviceCode(provider, { client_id: 'my-cli', scope: 'openid keys:write' });

    const pending = await poll(provider, code.device_code);
    expect(pending.status).toBe(403);
    expect(pending.json.error).toBe('authorization_pending');
    expect(typeof pending.json.error_description).toBe('string');

    const approved = await activate(provider, { user_code: code.user_code, user: 'auth0|alice' });
    expect(approved.status).toBe(200);
    expect(approved.json).toEqual({ approved: true, user: 'auth0|alice' });

    const granted = await poll(provider, code.device_code);
    expect(granted.status).toBe(200);
    expect(granted.cacheControl).toBe('no-store');
    expect(granted.json).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'openid keys:write',
    });
    const claims = decodeJwt(granted.json.access_token);
    expect(claims.sub).toBe('auth0|alice');
    expect(claims.aud).toBe(AUDIENCE);
    expect(claims.iss).toBe(provider.issuer);
    expect(claims.scope).toBe('openid keys:write');
    expect(typeof claims.jti).toBe('string');
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(claims.iat).toBe(T0 / 1000);

    const { payload, protectedHeader } = await verify(provider, granted.json.access_token);
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.sub).toBe('auth0|alice');

    const reused = await poll(provider, code.device_code);
    expect(reused.status).toBe(403);
    expect(reused.json.error).toBe('invalid_grant');
  });

  it('issues the token for the requested audience, without scope when none was asked', async () => {
    const { provider } = await startProvider({ devicePollIntervalSeconds: 0 });
    const code = await requestDeviceCode(provider, { client_id: 'my-cli', audience: 'https://api.example.com' }, true);
    expect(provider.approveDeviceCode(code.user_code, 'bob')).toBe(true);
    const granted = await poll(provider, code.device_code, 'my-cli', false);
    expect(granted.status).toBe(200);
    expect(granted.json).not.toHaveProperty('scope');
    const { payload } = await verify(provider, granted.json.access_token, 'https://api.example.com');
    expect(payload.aud).toBe('https://api.example.com');
    expect(payload.sub).toBe('bob');
    expect(payload).not.toHaveProperty('scope');
  });

  it('refuses a token signed by another provider', async () => {
    const { provider } = await startProvider({ devicePollIntervalSeconds: 0 });
    const { provider: other } = await startProvider({ devicePollIntervalSeconds: 0 });
    const code = await requestDeviceCode(other);
    expect(other.approveDeviceCode(code.user_code, 'alice')).toBe(true);
    const granted = await poll(other, code.device_code);
    expect(granted.status).toBe(200);
    await expect(
      jwtVerify(granted.json.access_token, createLocalJWKSet((await request(provider.jwksUri)).json as JSONWebKeySet), {
        algorithms: ['RS256'],
        currentDate: new Date(T0),
      }),
    ).rejects.toThrow();
    // Refused for its key, not its time: the same token verifies against its own provider.
    await expect(verify(other, granted.json.access_token)).resolves.toBeDefined();
  });

  it('answers access_denied once the user denies, and the code can no longer be approved', async () => {
    const { provider } = await startProvider({ devicePollIntervalSeconds: 0 });
    const code = await requestDeviceCode(provider);
    const denied = await activate(provider, { user_code: code.user_code, action: 'deny' });
    expect(denied.status).toBe(200);
    expect(denied.json).toEqual({ approved: false });
    const polled = await poll(provider, code.device_code);
    expect(polled.status).toBe(403);
    expect(polled.json.error).toBe('access_denied');
    const late = await activate(provider, { user_code: code.user_code, user: 'alice' });
    expect(late.status).toBe(400);
    expect(late.json.error).toBe('invalid_user_code');
    expect(provider.approveDeviceCode(code.user_code, 'alice')).toBe(false);
  });

  it('answers invalid_grant to another client_id, without consuming the code', async () => {
    const { provider } = await startProvider({ devicePollIntervalSeconds: 0 });
    const code = await requestDeviceCode(provider, { client_id: 'my-cli' });
    provider.approveDeviceCode(code.user_code, 'alice');
    const stolen = await poll(provider, code.device_code, 'other-cli');
    expect(stolen.status).toBe(403);
    expect(stolen.json.error).toBe('invalid_grant');
    const mine = await poll(provider, code.device_code, 'my-cli');
    expect(mine.status).toBe(200);
    expect(decodeJwt(mine.json.access_token).sub).toBe('alice');
  });

  it('answers invalid_grant to an unknown device code', async () => {
    const { provider } = await startProvider({ devicePollIntervalSeconds: 0 });
    const reply = await poll(provider, Buffer.alloc(32, 7).toString('base64url'));
    expect(reply.status).toBe(403);
    expect(reply.json.error).toBe('invalid_grant');
  });

  it('answers invalid_request without a device_code or client_id', async () => {
    const { provider } = await startProvider({ devicePollIntervalSeconds: 0 });
    const code = await requestDeviceCode(provider);
    const noCode = await request(`${provider.url}/oauth/token`, { body: { grant_type: DEVICE_CODE_GRANT_TYPE, client_id: 'my-cli' } });
    expect(noCode.status).toBe(400);
    expect(noCode.json.error).toBe('invalid_request');
    const noClient = await request(`${provider.url}/oauth/token`, {
      body: { grant_type: DEVICE_CODE_GRANT_TYPE, device_code: code.device_code },
    });
    expect(noClient.status).toBe(400);
    expect(noClient.json.error).toBe('invalid_request');
  });

  it('never answers slow_down with interval 0', async () => {
    const { provider } = await startProvider({ devicePollIntervalSeconds: 0 });
    const code = await requestDeviceCode(provider);
    const errors: string[] = [];
    for (let i = 0; i < 5; i += 1) errors.push((await poll(provider, code.device_code)).json.error);
    expect(errors).toEqual(Array(5).fill('authorization_pending'));
  });

  it('answers 429 slow_down to polls closer together than the interval', async () => {
    const { provider, advance } = await startProvider({ devicePollIntervalSeconds: 5 });
    const code = await requestDeviceCode(provider);
    expect((await poll(provider, code.device_code)).json.error).toBe('authorization_pending');

    const tooSoon = await poll(provider, code.device_code);
    expect(tooSoon.status).toBe(429);
    expect(tooSoon.json.error).toBe('slow_down');

    advance(5000);
    expect((await poll(provider, code.device_code)).json.error).toBe('authorization_pending');
    advance(4999);
    const justTooSoon = await poll(provider, code.device_code);
    expect(justTooSoon.status).toBe(429);
    expect(justTooSoon.json.error).toBe('slow_down');

    // The refused poll counts: the interval runs from it.
    advance(5000);
    provider.approveDeviceCode(code.user_code, 'alice');
    const granted = await poll(provider, code.device_code);
    expect(granted.status).toBe(200);
  });

  it('times slow_down per device code', async () => {
    const { provider } = await startProvider({ devicePollIntervalSeconds: 5 });
    const first = await requestDeviceCode(provider);
    const second = await requestDeviceCode(provider);
    expect((await poll(provider, first.device_code)).json.error).toBe('authorization_pending');
    expect((await poll(provider, second.device_code)).json.error).toBe('authorization_pending');
  });

  it('answers expired_token once the lifetime has passed, even if approved', async () => {
    const { provider, advance } = await startProvider({ devicePollIntervalSeconds: 0, deviceCodeLifetimeSeconds: 600 });
    const pendingCode = await requestDeviceCode(provider);
    const approvedCode = await requestDeviceCode(provider);
    provider.approveDeviceCode(approvedCode.user_code, 'alice');

    advance(599_999);
    expect((await poll(provider, pendingCode.device_code)).json.error).toBe('authorization_pending');
    advance(1);
    for (const code of [pendingCode, approvedCode]) {
      const expired = await poll(provider, code.device_code);
      expect(expired.status).toBe(403);
      expect(expired.json.error).toBe('expired_token');
    }

    const lateApproval = await activate(provider, { user_code: pendingCode.user_code, user: 'alice' });
    expect(lateApproval.status).toBe(400);
    expect(lateApproval.json.error).toBe('invalid_user_code');
    expect(provider.approveDeviceCode(pendingCode.user_code, 'alice')).toBe(false);
  });

  it('forgets codes long expired (then invalid_grant)', async () => {
    const { provider, advance } = await startProvider({ devicePollIntervalSeconds: 0, deviceCodeLifetimeSeconds: 60 });
    const code = await requestDeviceCode(provider);
    advance(120_000);
    const reply = await poll(provider, code.device_code);
    expect(reply.status).toBe(403);
    expect(reply.json.error).toBe('invalid_grant');
  });
});

describe('/activate', () => {
  it('GET shows a form that says it is a development stand-in', async () => {
    const { provider } = await startProvider();
    const page = await request(`${provider.url}/activate`);
    expect(page.status).toBe(200);
    expect(page.contentType).toMatch(/^text\/html/);
    expect(page.text).toMatch(/development/i);
    expect(page.text).toContain('Auth0');
    expect(page.text).toMatch(/<form[^>]+method="post"[^>]+action="\/activate"/);
    expect(page.text).toContain('name="user_code"');
    expect(page.text).toContain('name="user"');
  });

  it('GET fills in the user code from verification_uri_complete, escaped', async () => {
    const { provider } = await startProvider();
    const code = await requestDeviceCode(provider);
    const page = await request(code.verification_uri_complete);
    expect(page.text).toContain(`value="${code.user_code}"`);
    const hostile = await request(`${provider.url}/activate?user_code=${encodeURIComponent('"><script>x</script>')}`);
    expect(hostile.text).not.toContain('<script>');
    expect(hostile.text).toContain('&#34;&#62;&#60;script&#62;');
  });

  it('POST from the HTML form approves and answers HTML', async () => {
    const { provider } = await startProvider({ devicePollIntervalSeconds: 0 });
    const code = await requestDeviceCode(provider);
    const reply = await activate(provider, { user_code: code.user_code, user: 'carol', action: 'approve' }, { form: true });
    expect(reply.status).toBe(200);
    expect(reply.contentType).toMatch(/^text\/html/);
    expect(reply.text).toContain('carol');
    expect(reply.text).toMatch(/approved/i);
    const granted = await poll(provider, code.device_code);
    expect(decodeJwt(granted.json.access_token).sub).toBe('carol');
  });

  it('POST with a form body answers JSON when asked to', async () => {
    const { provider } = await startProvider({ devicePollIntervalSeconds: 0 });
    const code = await requestDeviceCode(provider);
    const reply = await activate(
      provider,
      { user_code: code.user_code, user: 'dave' },
      { form: true, headers: { accept: 'application/json' } },
    );
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ approved: true, user: 'dave' });
  });

  it('matches user codes ignoring case and the dash', async () => {
    const { provider } = await startProvider({ devicePollIntervalSeconds: 0 });
    const code = await requestDeviceCode(provider);
    const reply = await activate(provider, { user_code: code.user_code.replace('-', '').toLowerCase(), user: 'erin' });
    expect(reply.status).toBe(200);
    expect(reply.json.approved).toBe(true);
    expect(decodeJwt((await poll(provider, code.device_code)).json.access_token).sub).toBe('erin');

    const other = await requestDeviceCode(provider);
    expect(provider.approveDeviceCode(` ${other.user_code.toLowerCase()} `, 'frank')).toBe(true);
  });

  it('refuses an unknown user code with 400 invalid_user_code, as JSON or HTML', async () => {
    const { provider } = await startProvider();
    await requestDeviceCode(provider);
    const json = await activate(provider, { user_code: 'BBBB-BBBB', user: 'alice' });
    expect(json.status).toBe(400);
    expect(json.json.error).toBe('invalid_user_code');
    const html = await activate(provider, { user_code: 'BBBB-BBBB', user: 'alice' }, { form: true });
    expect(html.status).toBe(400);
    expect(html.contentType).toMatch(/^text\/html/);
    expect(provider.approveDeviceCode('BBBB-BBBB', 'alice')).toBe(false);
  });

  it('refuses a missing user code', async () => {
    const { provider } = await startProvider();
    const reply = await activate(provider, { user: 'alice' });
    expect(reply.status).toBe(400);
    expect(reply.json.error).toBe('invalid_user_code');
  });

  it.each([
    ['no user', {}],
    ['an empty user', { user: '' }],
    ['a user over 256 characters', { user: 'u'.repeat(257) }],
    ['an unknown action', { user: 'alice', action: 'maybe' }],
  ])('refuses %s with 400 invalid_request, leaving the code pending', async (_name, extra: Record<string, string>) => {
    const { provider } = await startProvider({ devicePollIntervalSeconds: 0 });
    const code = await requestDeviceCode(provider);
    const reply = await activate(provider, { user_code: code.user_code, ...extra });
    expect(reply.status).toBe(400);
    expect(reply.json.error).toBe('invalid_request');
    expect((await poll(provider, code.device_code)).json.error).toBe('authorization_pending');
  });

  it('accepts a user of exactly 256 characters, and approves a code once', async () => {
    const { provider } = await startProvider({ devicePollIntervalSeconds: 0 });
    const code = await requestDeviceCode(provider);
    const reply = await activate(provider, { user_code: code.user_code, user: 'u'.repeat(256) });
    expect(reply.status).toBe(200);
    const again = await activate(provider, { user_code: code.user_code, user: 'mallory' });
    expect(again.status).toBe(400);
    expect(again.json.error).toBe('invalid_user_code');
    expect(decodeJwt((await poll(provider, code.device_code)).json.access_token).sub).toBe('u'.repeat(256));
  });

  it('approveDeviceCode refuses an invalid user', async () => {
    const { provider } = await startProvider({ devicePollIntervalSeconds: 0 });
    const code = await requestDeviceCode(provider);
    expect(provider.approveDeviceCode(code.user_code, '')).toBe(false);
    expect(provider.approveDeviceCode(code.user_code, 'u'.repeat(257))).toBe(false);
    expect((await poll(provider, code.device_code)).json.error).toBe('authorization_pending');
  });
});

describe('client_credentials (unchanged)', () => {
  it.each([
    ['form', true],
    ['JSON', false],
  ])('signs a token for the client_id (%s body)', async (_name, form) => {
    const { provider } = await startProvider();
    const reply = await request(`${provider.url}/oauth/token`, {
      body: { grant_type: 'client_credentials', client_id: 'alice', scope: 'read' },
      form,
    });
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600 });
    const { payload } = await verify(provider, reply.json.access_token);
    expect(payload.sub).toBe('alice');
    expect(payload.scope).toBe('read');
  });

  it('refuses a missing client_id', async () => {
    const { provider } = await startProvider();
    const reply = await request(`${provider.url}/oauth/token`, { body: { grant_type: 'client_credentials' }, form: true });
    expect(reply.status).toBe(400);
    expect(reply.json.error).toBe('invalid_request');
  });

  it('answers unsupported_grant_type naming the grants', async () => {
    const { provider } = await startProvider();
    const reply = await request(`${provider.url}/oauth/token`, { body: { grant_type: 'password', client_id: 'alice' }, form: true });
    expect(reply.status).toBe(400);
    expect(reply.json.error).toBe('unsupported_grant_type');
    expect(reply.json.error_description).toContain('client_credentials');
    expect(reply.json.error_description).toContain(DEVICE_CODE_GRANT_TYPE);
  });
});

describe('token times', () => {
  it('takes iat and exp from the same clock as the device codes', async () => {
    const { provider, advance } = await startProvider({ devicePollIntervalSeconds: 0 });
    const code = await requestDeviceCode(provider);
    advance(90_000);
    expect(provider.approveDeviceCode(code.user_code, 'alice')).toBe(true);
    const granted = await poll(provider, code.device_code);
    const claims = decodeJwt(granted.json.access_token);
    expect(claims.iat).toBe(T0 / 1000 + 90);
    expect(claims.exp).toBe(T0 / 1000 + 90 + 3600);

    advance(1_500);
    const direct = decodeJwt(await provider.issueToken('bob', { expiresInSeconds: 60 }));
    expect(direct.iat).toBe(T0 / 1000 + 91);
    expect(direct.exp).toBe(T0 / 1000 + 91 + 60);
  });

  it('keeps real time when no clock is given', async () => {
    const provider = await startDevIdentityProvider({ port: 0, audience: AUDIENCE });
    providers.push(provider);
    const before = Math.floor(Date.now() / 1000);
    const claims = decodeJwt(await provider.issueToken('alice'));
    const after = Math.floor(Date.now() / 1000);
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(claims.iat).toBeLessThanOrEqual(after);
    expect(claims.exp).toBe(claims.iat! + 3600);
  });
});
