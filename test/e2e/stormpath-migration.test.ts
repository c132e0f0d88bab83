import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freshTable, testDynamoDbCredentials, testDynamoDbEndpoint } from '../support/dynamodb';
import { startTestSystem, TEST_KEY_POLICY, TEST_ROUTE_SCOPES, type TestSystem } from '../support/local-system';
import {
  stormpathKeyId,
  stormpathSecret,
  stormpathTempDir,
  writeStormpathExport,
  type WrittenExport,
  type WrittenKey,
} from '../support/stormpath-export';
import {
  basicAuthorization,
  formEncodedBasicAuthorization,
  importStormpath,
  tapDynamoDb,
  type DynamoDbTap,
  type ImportRun,
} from '../support/stormpath-system';

const CLI = join(process.cwd(), 'cli', 'apikey.cjs');
const run = promisify(execFile);
const IMPORTED_NAME = 'Imported from Stormpath';
const FORM = 'application/x-www-form-urlencoded';
/** RFC 6749 §5.2: error_description is printable ASCII without `"` and `\`. */
const DESCRIPTION = /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/;

/** The same secret with its last character changed (still 43 characters of base64). */
const wrongSecret = (secret: string) => `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
/** One character of `text` at `index` replaced by another of the same alphabet. */
const changedAt = (text: string, index: number) => `${text.slice(0, index)}${text[index] === 'A' ? 'B' : 'A'}${text.slice(index + 1)}`;

interface Reply {
  readonly status: number;
  readonly body: any;
  readonly headers: Headers;
}

/**
 * A Stormpath tenant's keys moved in with `npm run import:stormpath`, then
 * used and managed through the local gateway over HTTP, as the clients and
 * owners of those keys would: one import, into the table the local systems
 * below share, through a tap on DynamoDB that shows which requests read it.
 */
describe('a Stormpath migration, end to end', () => {
  let tap: DynamoDbTap;
  let tableName: string;
  let exported: WrittenExport;
  let imported: ImportRun;
  let exportDir: string;
  /** Everything that must never reach a log: secrets, Basic credentials, whole keys, access tokens, login tokens. */
  const secrets = new Set<string>();

  /** The keys of the export's `index`-th account, in the export's order, and its owner. */
  const account = (index: number): { owner: string; keys: readonly WrittenKey[] } => {
    const { accountId } = exported.accounts[index]!;
    return { owner: `auth0|${accountId}`, keys: exported.keys.filter((key) => key.accountId === accountId) };
  };

  beforeAll(async () => {
    tap = await tapDynamoDb(testDynamoDbEndpoint());
    const table = await freshTable();
    table.client.destroy();
    tableName = table.tableName;
    exportDir = stormpathTempDir();
    exported = writeStormpathExport(exportDir, {
      accounts: [
        // 0: one owner's six keys, each for one story; the first secret holds + and /.
        { keys: [{ secret: stormpathSecret({ withPlusAndSlash: true }) }, {}, {}, {}, {}, {}] },
        // 1: a key Stormpath had disabled, listed in apiKeys/.
        { keys: [{ status: 'DISABLED', layout: 'apiKeys' }] },
        // 2: for the apikey CLI.
        { keys: 2, keyLayout: 'both' },
        // 3: for the verdict cache.
        { keys: 2 },
      ],
    });
    imported = await importStormpath([exported.path, '--json', '--scopes', 'read'], { endpoint: tap.endpoint, tableName });
    for (const key of exported.keys) {
      secrets.add(key.secret);
      secrets.add(basicAuthorization(key.keyId, key.secret).slice('Basic '.length));
      secrets.add(formEncodedBasicAuthorization(key.keyId, key.secret).slice('Basic '.length));
      secrets.add(encodeURIComponent(key.secret));
    }
  });
  afterAll(async () => {
    await tap.stop();
    rmSync(exportDir, { recursive: true, force: true });
  });

  /** The local system on the imported table, reading DynamoDB through the tap. */
  const systemOnImportedTable = (overrides: Parameters<typeof startTestSystem>[0] = {}) =>
    startTestSystem({
      dynamodb: { endpoint: tap.endpoint, credentials: testDynamoDbCredentials() },
      keys: { tableName, keyPrefix: 'uak', policy: TEST_KEY_POLICY, routeScopes: TEST_ROUTE_SCOPES },
      ...overrides,
    });

  /** POST /oauth/token as a client sends it: a form body, Basic credentials or none. */
  async function tokenRequest(
    system: TestSystem,
    form: string | Record<string, string>,
    init: { authorization?: string; contentType?: string } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { 'content-type': init.contentType ?? FORM };
    if (init.authorization !== undefined) headers.authorization = init.authorization;
    const body = typeof form === 'string' ? form : new URLSearchParams(form).toString();
    const response = await fetch(`${system.gatewayUrl}/oauth/token`, { method: 'POST', headers, body });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
  }

  /** A fresh access token for an imported pair (Basic), remembered as a secret. */
  async function accessToken(system: TestSystem, key: WrittenKey, form: Record<string, string> = {}): Promise<string> {
    const reply = await tokenRequest(
      system,
      { grant_type: 'client_credentials', ...form },
      { authorization: basicAuthorization(key.keyId, key.secret) },
    );
    expect(reply.status).toBe(200);
    secrets.add(reply.body.access_token);
    return reply.body.access_token as string;
  }

  const whoami = (system: TestSystem, authorization: string) => system.call('/whoami', { headers: { authorization } });
  const whoamiStatus = async (system: TestSystem, authorization: string) => (await whoami(system, authorization)).status;
  const patch = (system: TestSystem, token: string, id: string, body: unknown) =>
    system.call(`/keys/${id}`, { method: 'PATCH', token, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  /** The authorizer's denials logged since `from` (an index into them): the reason it gave for each 403. */
  const denials = (system: TestSystem, from = 0): { code: string; keyId?: string }[] =>
    (JSON.parse(system.logger.lines()) as [string, { code: string; keyId?: string }][])
      .filter(([message]) => message === 'key denied')
      .map(([, fields]) => fields)
      .slice(from);

  const expectNothingSecretIn = (text: string) => {
    for (const secret of secrets) expect(text).not.toContain(secret);
  };

  it('imports the export: every key, only hashes, nothing secret on stdout or stderr', () => {
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ accounts: 4, keys: 11, imported: 11, disabled: 1, skipped: [], owners: 4 });
    expect(imported.stdout + imported.stderr).not.toBe('');
    expectNothingSecretIn(imported.stdout + imported.stderr);
    expect(account(0).keys[0]!.secret).toMatch(/\+.*\/|\/.*\+/);
  });

  describe('through the local gateway, with no verdict cache', () => {
    let system: TestSystem;
    let owner: string;
    let ownerToken: string;
    let keys: readonly WrittenKey[];

    beforeAll(async () => {
      system = await systemOnImportedTable();
      ({ owner, keys } = account(0));
      ownerToken = await system.tokenFor(owner);
      secrets.add(ownerToken);
    });
    afterAll(() => system.stop());

    it('answers GET /whoami for an imported pair sent as Basic (a secret with + and /) as its owner, curl -u too', async () => {
      const key = keys[0]!;
      expect(await whoami(system, basicAuthorization(key.keyId, key.secret))).toMatchObject({
        status: 200,
        body: { sub: owner, keyId: key.keyId, scopes: ['read'], assertion: { verified: true } },
      });
      const curl = await run('curl', ['-s', '-u', `${key.keyId}:${key.secret}`, '-w', '\n%{http_code}', `${system.gatewayUrl}/whoami`]);
      const [body, status] = curl.stdout.split('\n') as [string, string];
      expect(status).toBe('200');
      expect(JSON.parse(body)).toMatchObject({ sub: owner, keyId: key.keyId });
    });

    it('refuses a wrong secret, a malformed one without reading the table, and a key Stormpath had disabled: 403', async () => {
      const key = keys[0]!;
      const from = denials(system).length;
      expect(await whoamiStatus(system, basicAuthorization(key.keyId, wrongSecret(key.secret)))).toBe(403);
      const readsBefore = tap.getItemsFor(key.keyId);
      // Too short, too long, padded, base64url: none is a Stormpath secret, so none is looked up.
      const base64url = key.secret.replace(/\+/g, '-').replace(/\//g, '_');
      for (const malformed of [key.secret.slice(0, 42), `${key.secret}A`, `${key.secret}=`, base64url]) {
        expect(await whoamiStatus(system, basicAuthorization(key.keyId, malformed))).toBe(403);
      }
      expect(tap.getItemsFor(key.keyId)).toBe(readsBefore);
      const disabled = account(1).keys[0]!;
      expect(await whoamiStatus(system, basicAuthorization(disabled.keyId, disabled.secret))).toBe(403);
      expect(denials(system, from)).toEqual([
        { code: 'INVALID_SECRET', keyId: key.keyId, routeKey: 'GET /whoami' },
        // One line per kind of denial a minute (lambdas/observability/denial-log.ts): the four malformed ones are one.
        { code: 'MALFORMED', routeKey: 'GET /whoami' },
        { code: 'DISABLED', keyId: disabled.keyId, routeKey: 'GET /whoami' },
      ]);
    });

    it('lists the owner’s imported keys (origin stormpath, name, status) and shows one, never a secret; another user sees none', async () => {
      const listed = await system.call('/keys', { token: ownerToken });
      expect(listed.status).toBe(200);
      expect(listed.body.keys).toHaveLength(keys.length);
      expect(listed.body.keys.map((view: { id: string }) => view.id).sort()).toEqual(keys.map((key) => key.keyId).sort());
      for (const view of listed.body.keys) {
        expect(view).toMatchObject({ origin: 'stormpath', name: IMPORTED_NAME, status: 'active', enabled: true, scopes: ['read'] });
        expect(Math.round((Date.parse(view.expiresAt) - Date.parse(view.createdAt)) / 86_400_000)).toBe(365);
      }
      const shown = await system.call(`/keys/${keys[0]!.keyId}`, { token: ownerToken });
      expect(shown).toMatchObject({ status: 200, body: { id: keys[0]!.keyId, origin: 'stormpath', status: 'active' } });
      expect(JSON.stringify([listed.body, shown.body])).not.toMatch(/secret|hash/i);

      const disabledOwner = account(1);
      const theirs = await system.call('/keys', { token: await system.tokenFor(disabledOwner.owner) });
      expect(theirs.body.keys).toEqual([
        expect.objectContaining({ id: disabledOwner.keys[0]!.keyId, origin: 'stormpath', status: 'disabled', enabled: false }),
      ]);
      const stranger = await system.tokenFor('auth0|stranger');
      expect(await system.call(`/keys/${keys[0]!.keyId}`, { token: stranger })).toMatchObject({
        status: 404,
        body: { code: 'KEY_NOT_FOUND' },
      });
    });

    it('lets the owner rename, disable and enable an imported key; its history starts with the import', async () => {
      const key = keys[1]!;
      const pair = basicAuthorization(key.keyId, key.secret);
      system.clock.advance(1); // the test clock stands still: a second between changes orders the history
      expect(await patch(system, ownerToken, key.keyId, { name: 'billing client (Stormpath)' })).toMatchObject({
        status: 200,
        body: { name: 'billing client (Stormpath)', origin: 'stormpath', status: 'active' },
      });
      expect(await whoamiStatus(system, pair)).toBe(200);
      system.clock.advance(1);
      expect(await patch(system, ownerToken, key.keyId, { enabled: false })).toMatchObject({
        status: 200,
        body: { status: 'disabled', enabled: false },
      });
      expect(await whoamiStatus(system, pair)).toBe(403);
      system.clock.advance(1);
      expect(await patch(system, ownerToken, key.keyId, { enabled: true })).toMatchObject({ status: 200, body: { status: 'active' } });
      expect(await whoamiStatus(system, pair)).toBe(200);

      const history = await system.call(`/keys/${key.keyId}/events`, { token: ownerToken });
      expect(history.status).toBe(200);
      expect(history.body.events.map((event: { type: string }) => event.type)).toEqual(['enable', 'disable', 'rename', 'import']);
      expect(history.body.events.at(-1)).toMatchObject({
        type: 'import',
        actor: `importer:stormpath/${exported.tenantId}`,
        details: { tenant: exported.tenantId, account: exported.accounts[0]!.accountId },
      });
      for (const event of history.body.events.slice(0, 3)) expect(event.actor).toBe(owner);
      expect(history.body.events[2].details).toEqual({ from: IMPORTED_NAME, to: 'billing client (Stormpath)' });
    });

    it('revokes an imported key: refused at the gateway and at POST /oauth/token from then on', async () => {
      const key = keys[2]!;
      const pair = basicAuthorization(key.keyId, key.secret);
      expect(await whoamiStatus(system, pair)).toBe(200);
      expect((await system.call(`/keys/${key.keyId}`, { method: 'DELETE', token: ownerToken })).status).toBe(204);
      expect(await whoamiStatus(system, pair)).toBe(403);
      expect((await system.call(`/keys/${key.keyId}`, { token: ownerToken })).body).toMatchObject({
        status: 'revoked',
        origin: 'stormpath',
      });
      const exchanged = await tokenRequest(system, { grant_type: 'client_credentials' }, { authorization: pair });
      expect(exchanged).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    });

    it('rotates an imported key to a native one (201); the old pair and its tokens work through the grace period only', async () => {
      const key = keys[3]!;
      const pair = basicAuthorization(key.keyId, key.secret);
      const oldToken = await accessToken(system, key);
      const rotated = await system.call(`/keys/${key.keyId}/rotate`, {
        method: 'POST',
        token: ownerToken,
        body: JSON.stringify({ gracePeriodSeconds: 60 }),
        headers: { 'content-type': 'application/json' },
      });
      expect(rotated.status).toBe(201);
      const successor = rotated.body as { id: string; key: string; expiresAt: string; replaced: { id: string; expiresAt: string } };
      secrets.add(successor.key);
      expect(successor.id).toHaveLength(22);
      expect(successor.key).toMatch(new RegExp(`^uak_${successor.id}_[0-9A-Za-z]{49}$`));
      expect(rotated.body).toMatchObject({ name: IMPORTED_NAME, scopes: ['read'], rotatedFrom: key.keyId, replaced: { id: key.keyId } });
      expect(Date.parse(successor.replaced.expiresAt) - system.clock.now().getTime()).toBeLessThanOrEqual(60_000);
      expect(Date.parse(successor.replaced.expiresAt) - system.clock.now().getTime()).toBeGreaterThan(59_000);

      expect(await whoami(system, `Bearer ${successor.key}`)).toMatchObject({ status: 200, body: { sub: owner, keyId: successor.id } });
      expect(await whoamiStatus(system, basicAuthorization(successor.id, successor.key))).toBe(200);
      const shown = await system.call(`/keys/${successor.id}`, { token: ownerToken });
      expect(shown.body).toMatchObject({ id: successor.id, rotatedFrom: key.keyId, status: 'active' });
      expect(shown.body.origin).toBeUndefined();
      expect(await whoamiStatus(system, pair)).toBe(200);
      expect(await whoamiStatus(system, `Bearer ${oldToken}`)).toBe(200);

      system.clock.advance(61);
      expect(await whoamiStatus(system, pair)).toBe(403);
      expect(await whoamiStatus(system, `Bearer ${oldToken}`)).toBe(403);
      expect(await whoamiStatus(system, `Bearer ${successor.key}`)).toBe(200);
      expect((await system.call(`/keys/${key.keyId}`, { token: ownerToken })).body).toMatchObject({
        status: 'rotated',
        replacedBy: successor.id,
      });
    });

    it('exchanges an imported pair for an access token: Basic as sent raw, Basic form-encoded (§2.3.1), or form fields', async () => {
      const key = keys[0]!;
      const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: key.keyId, client_secret: key.secret }).toString();
      expect(form).toContain('%2B');
      expect(form).toContain('%2F');
      const replies = [
        await tokenRequest(system, 'grant_type=client_credentials', { authorization: basicAuthorization(key.keyId, key.secret) }),
        await tokenRequest(system, 'grant_type=client_credentials', {
          authorization: formEncodedBasicAuthorization(key.keyId, key.secret),
        }),
        await tokenRequest(system, form, { contentType: `${FORM}; charset=utf-8` }),
      ];
      for (const reply of replies) {
        expect(reply.status).toBe(200);
        expect(reply.body).toEqual({
          access_token: expect.stringMatching(/^uak_at_/),
          token_type: 'Bearer',
          expires_in: 3600,
          scope: 'read',
        });
        expect(reply.headers.get('cache-control')).toBe('no-store');
        secrets.add(reply.body.access_token);
        expect(await whoami(system, `Bearer ${reply.body.access_token}`)).toMatchObject({
          status: 200,
          body: { sub: owner, keyId: key.keyId, scopes: ['read'] },
        });
      }
      // The secret's + and / sent unencoded in the form read as a space and stay /: not the secret.
      const unencoded = await tokenRequest(system, `grant_type=client_credentials&client_id=${key.keyId}&client_secret=${key.secret}`);
      expect(unencoded).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    });

    it('exchanges a native key (client_id its id, client_secret the whole key), for all its scopes or fewer', async () => {
      const created = await system.call('/keys', {
        method: 'POST',
        token: ownerToken,
        body: JSON.stringify({ name: 'native', scopes: ['read', 'write'] }),
        headers: { 'content-type': 'application/json' },
      });
      expect(created.status).toBe(201);
      const { id, key } = created.body as { id: string; key: string };
      secrets.add(key);
      const all = await tokenRequest(system, { grant_type: 'client_credentials', client_id: id, client_secret: key });
      expect(all).toMatchObject({ status: 200, body: { token_type: 'Bearer', expires_in: 3600, scope: 'read write' } });
      expect(all.headers.get('cache-control')).toBe('no-store');
      const fewer = await tokenRequest(
        system,
        { grant_type: 'client_credentials', scope: 'read' },
        { authorization: basicAuthorization(id, key) },
      );
      expect(fewer).toMatchObject({ status: 200, body: { scope: 'read', expires_in: 3600 } });
      for (const [reply, scopes] of [
        [all, ['read', 'write']],
        [fewer, ['read']],
      ] as const) {
        secrets.add(reply.body.access_token);
        expect(await whoami(system, `Bearer ${reply.body.access_token}`)).toMatchObject({
          status: 200,
          body: { sub: owner, keyId: id, scopes },
        });
      }
    });

    it('answers every §5.2 error with its status, { error, error_description } and no-store; invalid_client with a Basic challenge', async () => {
      const key = keys[0]!;
      const pair = basicAuthorization(key.keyId, key.secret);
      const disabled = account(1).keys[0]!;
      const unknownId = stormpathKeyId();
      const malformedId = stormpathKeyId();
      const grant = 'grant_type=client_credentials';
      const cases: [string, Promise<Reply>, number, string][] = [
        [
          'another grant',
          tokenRequest(system, 'grant_type=password&username=a&password=b', { authorization: pair }),
          400,
          'unsupported_grant_type',
        ],
        ['no grant_type', tokenRequest(system, 'scope=read', { authorization: pair }), 400, 'invalid_request'],
        [
          'both client authentications',
          tokenRequest(
            system,
            { grant_type: 'client_credentials', client_id: key.keyId, client_secret: key.secret },
            { authorization: pair },
          ),
          400,
          'invalid_request',
        ],
        ['a repeated parameter', tokenRequest(system, `${grant}&${grant}`, { authorization: pair }), 400, 'invalid_request'],
        [
          'a JSON body',
          tokenRequest(system, JSON.stringify({ grant_type: 'client_credentials' }), {
            authorization: pair,
            contentType: 'application/json',
          }),
          400,
          'invalid_request',
        ],
        ['a text body', tokenRequest(system, grant, { authorization: pair, contentType: 'text/plain' }), 400, 'invalid_request'],
        ['a scope the key lacks', tokenRequest(system, `${grant}&scope=write`, { authorization: pair }), 400, 'invalid_scope'],
        [
          'a wrong secret',
          tokenRequest(system, grant, { authorization: basicAuthorization(key.keyId, wrongSecret(key.secret)) }),
          401,
          'invalid_client',
        ],
        [
          'an unknown id',
          tokenRequest(system, grant, { authorization: basicAuthorization(unknownId, stormpathSecret()) }),
          401,
          'invalid_client',
        ],
        [
          'a malformed secret',
          tokenRequest(system, grant, { authorization: basicAuthorization(malformedId, 'x'.repeat(42)) }),
          401,
          'invalid_client',
        ],
        [
          'a disabled key',
          tokenRequest(system, grant, { authorization: basicAuthorization(disabled.keyId, disabled.secret) }),
          401,
          'invalid_client',
        ],
        ['no credentials', tokenRequest(system, grant), 401, 'invalid_client'],
        [
          'form fields with the wrong secret',
          tokenRequest(system, { grant_type: 'client_credentials', client_id: key.keyId, client_secret: wrongSecret(key.secret) }),
          401,
          'invalid_client',
        ],
      ];
      for (const [what, pending, status, error] of cases) {
        const reply = await pending;
        expect({ what, status: reply.status, body: reply.body }).toEqual({
          what,
          status,
          body: { error, error_description: expect.any(String) },
        });
        expect(reply.body.error_description).toMatch(DESCRIPTION);
        expect(reply.headers.get('cache-control')).toBe('no-store');
        if (status === 401) expect(reply.headers.get('www-authenticate')).toMatch(/^Basic/);
        else expect(reply.headers.get('www-authenticate')).toBeNull();
      }
      // A malformed pair is refused before any read; an unknown well-formed id costs one.
      expect(tap.getItemsFor(malformedId)).toBe(0);
      expect(tap.getItemsFor(unknownId)).toBe(1);
    });

    it('lets a token die with its key: refused once the key is revoked or disabled, and no new one is issued', async () => {
      for (const [key, change] of [
        [keys[4]!, 'revoke'],
        [keys[5]!, 'disable'],
      ] as const) {
        const token = await accessToken(system, key);
        expect(await whoamiStatus(system, `Bearer ${token}`)).toBe(200);
        const changed =
          change === 'revoke'
            ? await system.call(`/keys/${key.keyId}`, { method: 'DELETE', token: ownerToken })
            : await patch(system, ownerToken, key.keyId, { enabled: false });
        expect(changed.status).toBe(change === 'revoke' ? 204 : 200);
        const from = denials(system).length;
        expect(await whoamiStatus(system, `Bearer ${token}`)).toBe(403);
        expect(denials(system, from)).toEqual([
          { code: change === 'revoke' ? 'REVOKED' : 'DISABLED', keyId: key.keyId, routeKey: 'GET /whoami' },
        ]);
        const again = await tokenRequest(system, 'grant_type=client_credentials', {
          authorization: basicAuthorization(key.keyId, key.secret),
        });
        expect(again).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
      }
    });

    it('refuses a tampered token and an expired one with no read; expires_in never runs past the key’s own expiry', async () => {
      const key = keys[0]!;
      const token = await accessToken(system, key);
      expect(await whoamiStatus(system, `Bearer ${token}`)).toBe(200);
      const readsBefore = tap.getItemsFor(key.keyId);
      const from = denials(system).length;
      // One character changed: in the kid, in the claims, the MAC's first and last. The MAC's last character
      // also changed to its twin (same 4 data bits, other padding bits): the same bytes, a different token.
      const [kid = '', claims = '', mac = ''] = token.split('.');
      expect(mac).toHaveLength(43);
      const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const twin = B64URL.charAt(B64URL.indexOf(mac.at(-1)!) ^ 1);
      expect(Buffer.from(`${mac.slice(0, -1)}${twin}`, 'base64url')).toEqual(Buffer.from(mac, 'base64url'));
      const positions = [kid.length - 2, kid.length + 1 + Math.floor(claims.length / 2), kid.length + claims.length + 2, token.length - 1];
      const tampered = [...positions.map((index) => changedAt(token, index)), `${token.slice(0, -1)}${twin}`];
      for (const forged of tampered) {
        expect(forged).not.toBe(token);
        expect(await whoamiStatus(system, `Bearer ${forged}`)).toBe(403);
      }
      expect(tap.getItemsFor(key.keyId)).toBe(readsBefore);
      // Five forgeries, one kind of denial: one line this minute (lambdas/observability/denial-log.ts).
      expect(denials(system, from).map((denial) => denial.code)).toEqual(['INVALID_TOKEN']);

      // A native key that expires in 10 minutes gets a token for 10 minutes, not an hour.
      const expiresAt = new Date(system.clock.now().getTime() + 600_000).toISOString();
      const created = await system.call('/keys', {
        method: 'POST',
        token: ownerToken,
        body: JSON.stringify({ name: 'short lived', scopes: ['read'], expiresAt }),
        headers: { 'content-type': 'application/json' },
      });
      const short = created.body as { id: string; key: string };
      secrets.add(short.key);
      const exchanged = await tokenRequest(system, { grant_type: 'client_credentials', client_id: short.id, client_secret: short.key });
      expect(exchanged).toMatchObject({ status: 200, body: { expires_in: 600 } });
      secrets.add(exchanged.body.access_token);
      expect(await whoamiStatus(system, `Bearer ${exchanged.body.access_token}`)).toBe(200);

      system.clock.advance(601);
      expect(await whoamiStatus(system, `Bearer ${exchanged.body.access_token}`)).toBe(403);
      expect((await tokenRequest(system, { grant_type: 'client_credentials', client_id: short.id, client_secret: short.key })).status).toBe(
        401,
      );
      expect(await whoamiStatus(system, `Bearer ${token}`)).toBe(200);

      system.clock.advance(3000); // 3601 s after the imported pair's token was issued
      const expiredFrom = denials(system).length;
      const readsAtExpiry = tap.getItemsFor(key.keyId);
      expect(await whoamiStatus(system, `Bearer ${token}`)).toBe(403);
      expect(tap.getItemsFor(key.keyId)).toBe(readsAtExpiry);
      expect(denials(system, expiredFrom)).toEqual([{ code: 'TOKEN_EXPIRED', keyId: key.keyId, routeKey: 'GET /whoami' }]);
      // The pair itself lives on, and is exchanged for a fresh token.
      expect(await whoamiStatus(system, basicAuthorization(key.keyId, key.secret))).toBe(200);
      expect(await whoamiStatus(system, `Bearer ${await accessToken(system, key)}`)).toBe(200);
    });

    it('shows imported keys in apikey list, marked (stormpath), and in apikey show', async () => {
      const cliOwner = account(2);
      const token = await system.tokenFor(cliOwner.owner);
      secrets.add(token);
      const configDir = mkdtempSync(join(tmpdir(), 'apikey-stormpath-'));
      const env = {
        PATH: process.env.PATH ?? '',
        APIKEY_CONFIG_DIR: configDir,
        APIKEY_ENDPOINT: system.gatewayUrl,
        APIKEY_AUTH_DOMAIN: system.devIdentityProvider!.url,
        APIKEY_TOKEN: token,
      };
      try {
        const [listed, shown] = await Promise.all([
          run('node', [CLI, 'list'], { env }),
          run('node', [CLI, 'show', cliOwner.keys[0]!.keyId], { env }),
        ]);
        const lines = listed.stdout.trim().split('\n');
        expect(lines[0]).toMatch(/^ID\s+NAME\s+STATUS\s+SCOPES\s+CREATED\s+EXPIRES\s+LAST USED$/);
        expect(lines).toHaveLength(3);
        for (const key of cliOwner.keys) {
          expect(lines).toContainEqual(
            expect.stringMatching(new RegExp(`^${key.keyId}\\s+${IMPORTED_NAME}\\s+active \\(stormpath\\)\\s+read\\s+`)),
          );
        }
        expect(shown.stdout).toContain(`id        ${cliOwner.keys[0]!.keyId}\n`);
        expect(shown.stdout).toContain('imported from Stormpath: rotate it to get a native key');
        expectNothingSecretIn(listed.stdout + listed.stderr + shown.stdout + shown.stderr);
      } finally {
        rmSync(configDir, { recursive: true, force: true });
      }
    });

    it('logged no secret, Basic credential, whole key or token, and sent none to DynamoDB', () => {
      const logs = system.logger.lines();
      expect(logs).toContain(keys[0]!.keyId); // the logs name keys, by id
      expectNothingSecretIn(logs);
      const traffic = tap.calls.map((call) => call.body).join('\n');
      expect(traffic).toContain(keys[0]!.keyId);
      expectNothingSecretIn(traffic);
    });
  });

  describe('with the default 60 s verdict cache', () => {
    let system: TestSystem;
    beforeAll(async () => {
      system = await systemOnImportedTable({ authorizerCacheTtlSeconds: 60 });
    });
    afterAll(() => system.stop());

    it('keeps a disabled pair and a revoked key’s token working while cached, and refuses both once the 60 s are over', async () => {
      const { owner, keys } = account(3);
      const ownerToken = await system.tokenFor(owner);
      secrets.add(ownerToken);
      const [disabled, revoked] = keys as [WrittenKey, WrittenKey];
      const pair = basicAuthorization(disabled.keyId, disabled.secret);
      const token = `Bearer ${await accessToken(system, revoked)}`;
      expect(await whoamiStatus(system, pair)).toBe(200);
      expect(await whoamiStatus(system, token)).toBe(200);

      expect((await patch(system, ownerToken, disabled.keyId, { enabled: false })).status).toBe(200);
      expect((await system.call(`/keys/${revoked.keyId}`, { method: 'DELETE', token: ownerToken })).status).toBe(204);
      expect(await whoamiStatus(system, pair)).toBe(200);
      expect(await whoamiStatus(system, token)).toBe(200);
      system.clock.advance(29);
      expect(await whoamiStatus(system, token)).toBe(200);
      system.clock.advance(31);
      expect(await whoamiStatus(system, pair)).toBe(403);
      expect(await whoamiStatus(system, token)).toBe(403);
      // The exchange itself reads the key every time: no cache there.
      const exchanged = await tokenRequest(system, 'grant_type=client_credentials', {
        authorization: basicAuthorization(revoked.keyId, revoked.secret),
      });
      expect(exchanged.status).toBe(401);
      expectNothingSecretIn(system.logger.lines());
    });
  });

  describe('POST /oauth/token throttled as deployed', () => {
    let system: TestSystem;
    beforeAll(async () => {
      system = await startTestSystem({ throttle: true, keyCreationThrottle: { rateLimit: 1, burstLimit: 3 } });
    });
    afterAll(() => system.stop());

    it('has the key-creation budget: the burst, then 429 until the bucket refills', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i += 1) statuses.push((await tokenRequest(system, 'grant_type=client_credentials')).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      expect((await tokenRequest(system, 'grant_type=client_credentials')).body).toEqual({ message: 'Too Many Requests' });
      system.clock.advance(1);
      expect((await tokenRequest(system, 'grant_type=client_credentials')).status).toBe(401);
    });
  });
});
