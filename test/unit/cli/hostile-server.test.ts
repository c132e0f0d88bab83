import { saveLogin } from '../../../cli/credentials';
import { jsonLine, printable, terminalSafe } from '../../../cli/terminal-text';
import { LOCAL_DEFAULTS } from '../../../cli/settings';
import { fakeToken, freshConfigDir, run, scriptedFetch, type CliRun } from './cli-support';

/**
 * What a hostile server, a crafted `sub` or a writable table could send: a screen clear, a colour,
 * an OSC 8 hyperlink, a window title, a C1 CSI, DEL, bidi overrides, isolates and marks, and the
 * line and paragraph separators.
 */
const HOSTILE =
  '\u001b[2J\u001b[31m' +
  '\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007' +
  '\u001b]0;owned\u0007' +
  '\u009b31m\u007f' +
  '\u202egnp.exe\u202c\u2066x\u2069\u200e\u200f\u061c' +
  '\u2028\u2029';
const NOW = new Date('2026-06-01T12:00:00.000Z');
const ID = 'OLDOLDOLDOLDOLDOLDOLD1';

/** Every character a terminal could act on, other than the newlines the CLI writes itself. */
function unsafeCharacters(text: string): string[] {
  return Array.from(text.matchAll(/[\p{C}\p{Zl}\p{Zp}]/gu), ([char]) => char)
    .filter((char) => char !== '\n')
    .map((char) => `U+${char.codePointAt(0)!.toString(16)}`);
}

function expectTerminalSafe(result: CliRun): void {
  expect(unsafeCharacters(result.stdout)).toEqual([]);
  expect(unsafeCharacters(result.stderr)).toEqual([]);
}

const hostileView = {
  id: `${ID}${HOSTILE}`,
  name: `ci${HOSTILE}`,
  scopes: [`read${HOSTILE}`, 'write'],
  createdAt: '2026-05-01T12:00:00.000Z',
  expiresAt: '2026-08-30T12:00:00.000Z',
  status: `active${HOSTILE}`,
  enabled: true,
  lastUsedAt: `yesterday${HOSTILE}`,
  disabledAt: `2026-05-02T12:00:00.000Z${HOSTILE}`,
  replacedBy: `NEW${HOSTILE}`,
  rotatedFrom: `OLDER${HOSTILE}`,
};
const hostileCreated = {
  id: `NEW${HOSTILE}`,
  key: `uak_NEW_${HOSTILE}`,
  name: `ci${HOSTILE}`,
  scopes: [`read${HOSTILE}`],
  createdAt: NOW.toISOString(),
  expiresAt: `2026-08-30T12:00:00.000Z${HOSTILE}`,
};
const hostileRotated = {
  ...hostileCreated,
  rotatedFrom: `${ID}${HOSTILE}`,
  replaced: { id: `${ID}${HOSTILE}`, expiresAt: `soon${HOSTILE}` },
};
const hostileEvent = {
  type: `rename${HOSTILE}`,
  actor: `auth0|alice${HOSTILE}`,
  at: '2026-06-01T11:59:00.000Z',
  sourceIp: `127.0.0.1${HOSTILE}`,
  userAgent: `agent${HOSTILE}`,
  details: { from: `a${HOSTILE}`, to: `b${HOSTILE}`, [`key${HOSTILE}`]: `value${HOSTILE}` },
};

/** A stored login for the local defaults whose `sub` (from a crafted token) is hostile. */
function loggedIn() {
  const dir = freshConfigDir();
  saveLogin(dir, {
    accessToken: fakeToken({ sub: `auth0|alice${HOSTILE}` }),
    expiresAt: Date.now() + 3600_000,
    endpoint: LOCAL_DEFAULTS.endpoint,
    authUrl: LOCAL_DEFAULTS.authUrl,
    audience: LOCAL_DEFAULTS.audience,
    sub: `auth0|alice${HOSTILE}`,
  });
  return { APIKEY_CONFIG_DIR: dir, NO_COLOR: '1' };
}

const answer = (status: number, body: unknown) => scriptedFetch([{ status, body }]).fetch;

describe('terminal-safe text', () => {
  it('turns each unprintable character into ? and leaves ordinary text, accents and emoji alone', () => {
    expect(printable('caf\u00e9 \u{1f511} ok')).toBe('caf\u00e9 \u{1f511} ok');
    expect(printable('a\u001b[31mb\u202ec\u2028d\u0085e')).toBe('a?[31mb?c?d?e');
    expect(unsafeCharacters(printable(HOSTILE))).toEqual([]);
  });

  it('makes every string of a value printable, object keys too, without touching the original', () => {
    const value = { [`k${HOSTILE}`]: [`v${HOSTILE}`, 3, null, { nested: `n${HOSTILE}` }], ok: true };
    expect(unsafeCharacters(JSON.stringify(terminalSafe(value)))).toEqual([]);
    expect(Object.keys(value)[0]).toBe(`k${HOSTILE}`);
  });

  it('writes JSON with no raw unprintable character that parses back to exactly the same value', () => {
    const value = { name: HOSTILE, astral: '\u{e0001}\u{f0000}', plain: 'caf\u00e9 \u{1f511}' };
    const line = jsonLine(value);
    expect(unsafeCharacters(line)).toEqual([]);
    expect(line).toContain('\\u2028\\u2029');
    expect(line).toContain('\\u202e');
    expect(line).toContain('\\u009b');
    expect(line).toContain('\\udb40\\udc01');
    expect(line).toContain('caf\u00e9 \u{1f511}');
    expect(JSON.parse(line)).toEqual(value);
  });
});

describe('a hostile server’s answers reach the terminal with nothing a terminal would act on', () => {
  it('list, as a table and as JSON', async () => {
    const human = await run(['list'], { env: loggedIn(), now: () => NOW, fetch: answer(200, { keys: [hostileView] }) });
    expect(human.code).toBe(0);
    expectTerminalSafe(human);
    expect(human.stdout).toMatch(/^ID\s+NAME\s+STATUS/);
    expect(human.stdout).toContain(`${ID}?`);
    const json = await run(['list', '--json'], { env: loggedIn(), fetch: answer(200, { keys: [hostileView] }) });
    expectTerminalSafe(json);
    expect(JSON.parse(json.stdout)).toEqual({ keys: [hostileView] });
  });

  it.each([
    [['show', ID], 'GET'],
    [['disable', ID], 'PATCH'],
    [['rename', ID, 'new'], 'PATCH'],
  ])('%j', async (argv) => {
    const human = await run(argv, { env: loggedIn(), now: () => NOW, fetch: answer(200, hostileView) });
    expect(human.code).toBe(0);
    expectTerminalSafe(human);
    expect(human.stdout).toMatch(new RegExp(`\\nname +ci\\?\\[2J\\?`));
    const json = await run([...argv, '--json'], { env: loggedIn(), fetch: answer(200, hostileView) });
    expectTerminalSafe(json);
    expect(JSON.parse(json.stdout)).toEqual(hostileView);
  });

  it.each([
    ['create', ['create', '--name', 'ci'], hostileCreated],
    ['rotate', ['rotate', ID], hostileRotated],
  ])('%s, on a terminal, piped and as JSON', async (_name, argv, body) => {
    for (const tty of [true, false]) {
      const result = await run(argv, { env: loggedIn(), now: () => NOW, fetch: answer(201, body), tty });
      expect(result.code).toBe(0);
      expectTerminalSafe(result);
      expect(result.stdout).toContain('uak_NEW_?');
    }
    const json = await run([...argv, '--json'], { env: loggedIn(), fetch: answer(201, body) });
    expectTerminalSafe(json);
    expect(JSON.parse(json.stdout)).toEqual(body);
  });

  it('events, details and their names included', async () => {
    const human = await run(['events', ID], { env: loggedIn(), now: () => NOW, fetch: answer(200, { events: [hostileEvent] }) });
    expect(human.code).toBe(0);
    expectTerminalSafe(human);
    const json = await run(['events', ID, '--json'], { env: loggedIn(), fetch: answer(200, { events: [hostileEvent] }) });
    expectTerminalSafe(json);
    expect(JSON.parse(json.stdout)).toEqual({ events: [hostileEvent] });
  });

  it('error lines, with and without --json, for every kind of failure', async () => {
    const failures = [
      { status: 404, body: { code: `KEY_NOT_FOUND${HOSTILE}`, message: `No key ${HOSTILE}` } },
      { status: 401, body: { code: 'INVALID_TOKEN', message: `expired${HOSTILE}` } },
      { status: 409, body: { code: 'KEY_REVOKED', message: `revoked${HOSTILE}` } },
      { status: 503, body: { message: HOSTILE } },
    ];
    for (const failure of failures) {
      const human = await run(['show', ID], { env: loggedIn(), fetch: answer(failure.status, failure.body) });
      expect(human.code).not.toBe(0);
      expectTerminalSafe(human);
      expect(human.stderr).toMatch(/^Error: .*\n$/);
      const json = await run(['show', ID, '--json'], { env: loggedIn(), fetch: answer(failure.status, failure.body) });
      expectTerminalSafe(json);
      const { error } = JSON.parse(json.stderr) as { error: { code: string; message: string } };
      expect(error.message).toBe(printable(error.message));
      expect(error.code).toBe(printable(error.code));
    }
  });
});

it('usage errors, with and without --json, which quote the command line', async () => {
  const usage = await run([`frob${HOSTILE}`, '--json']);
  expect(usage.code).toBe(1);
  expectTerminalSafe(usage);
  expect(JSON.parse(usage.stderr).error.code).toBe('USAGE');
  const human = await run([`frob${HOSTILE}`]);
  expect(human.code).toBe(1);
  expectTerminalSafe(human);
  expect(human.stderr).toContain("unknown command 'frob?[2J");
});

describe('a crafted token or identity provider reaches the terminal filtered too', () => {
  it('whoami, for a stored login and for APIKEY_TOKEN', async () => {
    const stored = await run(['whoami'], { env: loggedIn(), now: () => NOW });
    expect(stored.code).toBe(0);
    expectTerminalSafe(stored);
    expect(stored.stdout).toMatch(/^auth0\|alice\?\[2J.* \(logged in to http:\/\/127\.0\.0\.1:3001, /);
    const env = { APIKEY_CONFIG_DIR: freshConfigDir(), APIKEY_TOKEN: fakeToken({ sub: `robot${HOSTILE}` }) };
    for (const argv of [['whoami'], ['whoami', '--json']]) {
      const result = await run(argv, { env, now: () => NOW });
      expect(result.code).toBe(0);
      expectTerminalSafe(result);
    }
    expect(JSON.parse((await run(['whoami', '--json'], { env })).stdout).sub).toBe(`robot${HOSTILE}`);
  });

  it('login: the prompt, the sub it greets, and the identity provider’s refusals', async () => {
    const start = {
      device_code: 'dev',
      user_code: `ABCD-EFGH${HOSTILE}`,
      verification_uri: `http://127.0.0.1:3001/activate${HOSTILE}`,
      interval: 1,
    };
    const idp = scriptedFetch([
      { status: 200, body: start },
      { status: 200, body: { access_token: fakeToken({ sub: `auth0|alice${HOSTILE}` }), expires_in: 3600 } },
    ]);
    const env = { APIKEY_CONFIG_DIR: freshConfigDir(), NO_COLOR: '1' };
    const login = await run(['login'], { env, fetch: idp.fetch, sleep: () => Promise.resolve() });
    expect(login.code).toBe(0);
    expectTerminalSafe(login);
    expect(login.stdout).toBe(`Logged in as auth0|alice${printable(HOSTILE)}.\n`);
    const refusal = { status: 400, body: { error: 'invalid_client', error_description: `no${HOSTILE}` } };
    for (const argv of [['login'], ['login', '--json']]) {
      const result = await run(argv, { env, fetch: scriptedFetch([refusal]).fetch });
      expect(result.code).toBe(2);
      expectTerminalSafe(result);
      expect(result.stderr).toContain('no?[2J');
    }
  });
});
