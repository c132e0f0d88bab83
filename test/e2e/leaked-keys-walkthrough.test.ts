import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { settingNames, specOf } from '../../lambdas/settings/schema';
import { freePort } from '../support/free-port';
import { npmStartResponseCheck } from '../support/local-system';

/**
 * The README's "Leaked keys: GitHub secret scanning" walk-throughs, run as printed against `npm start`
 * (`tsx local/main.ts`, as npm-start.test.ts starts it), and what "Lifecycle events" says `npm start`
 * does with each change: one `lifecycle event {...}` line printed, or one NDJSON line in EVENTS_FILE.
 *
 * The key is made by the walk-through's own steps 1 and 2 (only its two URLs changed, as in
 * readme-walkthrough.test.ts). The systems run with AUTHORIZER_CACHE_TTL_SECONDS=0, so "once the cache's
 * share is over" is at once. The openssl block's `npm start` line is the test starting the system with the
 * keys URL that line gives; its curl's hard-coded `http://127.0.0.1:3000` becomes that system's gateway.
 * python3's http.server listens on 8910, as printed: the test refuses to run, saying so, if 8910 is taken.
 */

const README = readFileSync('README.md', 'utf8');
const TSX = join(process.cwd(), 'node_modules/.bin/tsx');
const run = promisify(execFile);
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The bash block between `<!-- name:start -->` and `<!-- name:end -->`. */
function readmeBlock(name: string): string {
  const text = new RegExp(`<!-- ${name}:start -->\\s*\`\`\`bash\\n([\\s\\S]*?)\`\`\`\\s*<!-- ${name}:end -->`).exec(README)?.[1];
  if (text === undefined) throw new Error(`README.md has no bash block between <!-- ${name}:start --> and <!-- ${name}:end -->`);
  return text;
}

/** What npm start and the scripts inherit: this environment without any of npm start's settings, so only its defaults and ours apply. */
const baseEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !settingNames.some((setting) => specOf(setting).env === name)),
);

async function bash(
  script: string,
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ stdout: string; stderr: string }> {
  return run('bash', ['-euo', 'pipefail', '-c', script], {
    cwd: options.cwd ?? process.cwd(),
    env: { ...baseEnv, ...options.env },
    timeout: 30_000,
  });
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen(port, '127.0.0.1', () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

interface NpmStart {
  readonly child: ChildProcess;
  readonly api: string;
  readonly idp: string;
  readonly dataDir: string;
  /** stdout and stderr, interleaved as they came. */
  output(): string;
  readonly exited: Promise<number | null>;
}

/** `lifecycle event {...}` lines, parsed. */
function printedEvents(output: string): any[] {
  return [...output.matchAll(/^lifecycle event (\{.*\})$/gm)].map((match) => JSON.parse(match[1]!));
}

describe("the README's leaked keys walk-throughs, through npm start", () => {
  const work = mkdtempSync(join(tmpdir(), 'uak-leaked-'));
  const systems = new Set<NpmStart>();
  /** Process groups of shells the README's blocks left running (python3's http.server). */
  const groups = new Set<number>();
  // Every answer npm start gives here is held to the OpenAPI document.
  const responses = npmStartResponseCheck();

  const killGroup = (pgid: number) => {
    try {
      process.kill(-pgid, 'SIGTERM');
    } catch {
      // already gone
    }
    groups.delete(pgid);
  };

  afterAll(async () => {
    for (const system of systems) await stop(system).catch(() => undefined); // only if a test failed half-way
    for (const pgid of groups) killGroup(pgid);
    rmSync(work, { recursive: true, force: true });
    responses.assertDescribed();
  });

  async function startNpmStart(env: Record<string, string>): Promise<NpmStart> {
    const ports = { PORT: await freePort(), DEV_IDP_PORT: await freePort(), DYNAMODB_PORT: await freePort() };
    const dataDir = mkdtempSync(join(work, 'data-'));
    const child = spawn(TSX, ['local/main.ts'], {
      env: {
        ...baseEnv,
        ...responses.env,
        ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
        DATA_DIR: dataDir,
        AUTHORIZER_CACHE_TTL_SECONDS: '0',
        POWERTOOLS_LOG_LEVEL: 'INFO', // the more it logs, the more a leaked key could show
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: the last resort below reaches DynamoDB Local's JVM too
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const system: NpmStart = {
      child,
      api: `http://127.0.0.1:${ports.PORT}`,
      idp: `http://127.0.0.1:${ports.DEV_IDP_PORT}`,
      dataDir,
      output: () => output,
      exited,
    };
    systems.add(system);
    await waitFor(
      'npm start',
      () => {
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`npm start exited with ${String(child.exitCode ?? child.signalCode)}:\n${output}`);
        return output.includes('Press Ctrl-C to stop.');
      },
      40_000,
    );
    expect(output).toContain(`Gateway            ${system.api}`);
    return system;
  }

  /** Ctrl-C, as a person stops it; answers its exit code. */
  async function stop(system: NpmStart): Promise<number | null> {
    if (system.child.exitCode === null && system.child.signalCode === null) system.child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => {
      timer = setTimeout(() => {
        resolve('hung');
      }, 15_000);
    });
    const code = await Promise.race([system.exited, hung]);
    clearTimeout(timer);
    if (code === 'hung' && system.child.pid !== undefined) {
      try {
        process.kill(-system.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    systems.delete(system);
    return code === 'hung' ? null : code;
  }

  async function tokenFor(system: NpmStart, user: string): Promise<string> {
    const response = await fetch(`${system.idp}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=${encodeURIComponent(user)}&client_secret=ignored`,
    });
    return ((await response.json()) as { access_token: string }).access_token;
  }

  async function call(
    system: NpmStart,
    path: string,
    token: string,
    init: { method?: string; body?: string } = {},
  ): Promise<{ status: number; body: any }> {
    const response = await fetch(`${system.api}${path}`, { ...init, headers: { authorization: `Bearer ${token}` } });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  }

  /** The walk-through's steps 1 and 2, as printed but for its two URLs: alice's new key, shown once. */
  async function createAsWalkthrough(system: NpmStart): Promise<{ id: string; key: string }> {
    const walkthrough = readmeBlock('walkthrough');
    const apiLine = 'API=http://127.0.0.1:3000; IDP=http://127.0.0.1:3001';
    const lastLine = 'KEY=$(echo "$CREATED" | field key); KEY_ID=$(echo "$CREATED" | field id)\n';
    expect(walkthrough).toContain(apiLine);
    expect(walkthrough).toContain(lastLine);
    const steps = walkthrough
      .slice(0, walkthrough.indexOf(lastLine) + lastLine.length)
      .replace(apiLine, `API=${system.api}; IDP=${system.idp}`);
    const { stdout } = await bash(steps);
    const created = JSON.parse(stdout.trim());
    expect(created).toMatchObject({ name: 'my script', scopes: ['read'], id: expect.stringMatching(/^[0-9A-Za-z]{22}$/) });
    expect(created.key).toMatch(/^uak_[0-9A-Za-z]{22}_[0-9A-Za-z]{49}$/);
    return { id: created.id, key: created.key };
  }

  it('"Trying it locally": github-alert revokes the key as leaked, prints each change as a lifecycle event, and a second alert is a false positive', async () => {
    const trying = readmeBlock('leaked-keys-local');
    expect(trying).toContain('npm run -s github-alert');
    const system = await startNpmStart({});
    expect(existsSync(join(system.dataDir, 'dev-github-signing-key.pem'))).toBe(true);
    const { id, key } = await createAsWalkthrough(system);
    // github-alert finds the development GitHub's key in DATA_DIR, as npm start was given it.
    const env = { API: system.api, KEY: key, DATA_DIR: system.dataDir };
    const feedback = (label: string) => [{ token_hash: sha256(key), token_type: 'user_api_key', label }];

    const first = await bash(trying, { env });
    const lines = first.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('200');
    expect(JSON.parse(lines[1]!)).toEqual(feedback('true_positive'));
    expect(JSON.parse(lines[2]!)).toEqual({ message: 'Forbidden' });

    const token = await tokenFor(system, 'alice');
    const view = await call(system, `/keys/${id}`, token);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ id, status: 'revoked', revokedAt: expect.any(String) });
    expect(view.body.revocation).toEqual({
      cause: 'leaked',
      url: 'https://github.com/octocat/Hello-World/blob/main/config.env',
      source: 'commit',
    });

    // GitHub may send it again: a false positive now, nothing revoked and no second event.
    const again = await bash(trying, { env });
    const againLines = again.stdout.trim().split('\n');
    expect(againLines).toHaveLength(3);
    expect(againLines[0]).toBe('200');
    expect(JSON.parse(againLines[1]!)).toEqual(feedback('false_positive'));
    expect(JSON.parse(againLines[2]!)).toEqual({ message: 'Forbidden' });
    const history = await call(system, `/keys/${id}/events`, token);
    expect(history.body.events.map((event: { type: string }) => event.type)).toEqual(['leak_revoke', 'create']);
    expect(history.body.events[0]).toMatchObject({
      actor: 'github:secret-scanning',
      details: { url: 'https://github.com/octocat/Hello-World/blob/main/config.env', source: 'commit' },
    });

    await waitFor('the leak_revoke lifecycle event', () =>
      system.output().includes('lifecycle event {"source":"user-api-keys","detail-type":"Key leak_revoke"'),
    );
    await sleep(1000); // the stream is read every 250 ms: time for a second leak_revoke, were there one
    expect(await stop(system)).toBe(0);

    const output = system.output();
    const events = printedEvents(output);
    expect(events.map((event) => event['detail-type'])).toEqual(['Key create', 'Key leak_revoke']);
    const common = { at: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/), eventId: expect.stringMatching(new RegExp(`^event#${id}#`)) };
    expect(events[0]).toEqual({
      source: 'user-api-keys',
      'detail-type': 'Key create',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      detail: { keyId: id, ownerId: 'alice', type: 'create', actor: 'alice', details: {}, ...common },
    });
    expect(events[1]).toEqual({
      source: 'user-api-keys',
      'detail-type': 'Key leak_revoke',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      detail: {
        keyId: id,
        ownerId: 'alice',
        type: 'leak_revoke',
        actor: 'github:secret-scanning',
        details: { url: 'https://github.com/octocat/Hello-World/blob/main/config.env', source: 'commit' },
        ...common,
      },
    });
    // Never the key, nor its secret, anywhere npm start or github-alert wrote; never its hash in an event.
    const secret = key.split('_')[2]!;
    for (const text of [output, first.stdout, first.stderr, again.stdout, again.stderr]) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(secret);
    }
    expect(JSON.stringify(events)).not.toContain(sha256(key));
  });

  describe('"A signed alert from the command line", with EVENTS_FILE', () => {
    const dir = mkdtempSync(join(work, 'openssl-'));
    const eventsFile = join(work, 'events.ndjson');
    let system: NpmStart;
    let leaked: { id: string; key: string };

    it('serves its own keys document, and the alert signed with openssl revokes the key; one byte changed is a 401', async () => {
      const lines = readmeBlock('leaked-keys-openssl').split('\n');
      const startAt = lines.findIndex((line) => /^GITHUB_SECRET_SCANNING_KEYS_URL=\S+ npm start\b/.test(line));
      expect(startAt).toBeGreaterThan(0);
      const keysUrl = /^GITHUB_SECRET_SCANNING_KEYS_URL=(\S+)/.exec(lines[startAt]!)![1]!;
      expect(keysUrl).toBe('http://127.0.0.1:8910/secret_scanning');
      const serve = lines.slice(0, startAt).join('\n');
      expect(serve).toContain('python3 -m http.server 8910 --bind 127.0.0.1 --directory keys &');
      const alert = lines.slice(startAt + 1).join('\n');
      expect(alert).toContain('http://127.0.0.1:3000/secret-scanning/github');
      if (!(await bindable(8910))) throw new Error('port 8910, which the README block serves the keys document on, is in use on 127.0.0.1');

      // The block up to npm start, in a shell of its own that leaves python3 serving: then its KEY_ID, for the
      // lines after npm start (one shell in the README; two here, since the key comes from the npm start between).
      const shell = spawn('bash', ['-euo', 'pipefail', '-c', `${serve}\nprintf %s "$KEY_ID" > key-id.txt`], {
        cwd: dir,
        env: baseEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      groups.add(shell.pid!);
      let shellOutput = '';
      shell.stdout.on('data', (chunk: Buffer) => (shellOutput += chunk.toString()));
      shell.stderr.on('data', (chunk: Buffer) => (shellOutput += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => shell.once('exit', resolve));
      if (code !== 0) throw new Error(`the block up to npm start exited with ${code}:\n${shellOutput}`);
      const keyId = readFileSync(join(dir, 'key-id.txt'), 'utf8');
      expect(keyId).toMatch(/^[0-9a-f]{64}$/);
      let document: any;
      await waitFor('python3 -m http.server on 8910', async () => {
        const response = await fetch(keysUrl).catch(() => undefined);
        if (response?.status !== 200) return false;
        document = await response.json();
        return true;
      });
      expect(document.public_keys).toEqual([
        { key_identifier: keyId, key: readFileSync(join(dir, 'github-test.pub.pem'), 'utf8'), is_current: true },
      ]);

      system = await startNpmStart({ GITHUB_SECRET_SCANNING_KEYS_URL: keysUrl, EVENTS_FILE: eventsFile });
      // With the URL set, no development GitHub: only the keys document served above verifies alerts.
      expect(system.output()).toContain(`GitHub alerts      POST ${system.api}/secret-scanning/github\n`);
      expect(existsSync(join(system.dataDir, 'dev-github-signing-key.pem'))).toBe(false);
      leaked = await createAsWalkthrough(system);

      const script = `${alert.replace('http://127.0.0.1:3000', system.api)}\nprintf %s "$SIG" > sig.txt`;
      const answered = await bash(script, { cwd: dir, env: { KEY: leaked.key, KEY_ID: keyId } });
      const feedback = (label: string) => [{ token_hash: sha256(leaked.key), token_type: 'user_api_key', label }];
      expect(JSON.parse(answered.stdout)).toEqual(feedback('true_positive'));
      expect(answered.stdout).not.toContain(leaked.key);
      const token = await tokenFor(system, 'alice');
      const view = await call(system, `/keys/${leaked.id}`, token);
      expect(view.body).toMatchObject({ id: leaked.id, status: 'revoked' });
      expect(view.body.revocation).toEqual({
        cause: 'leaked',
        url: 'https://github.com/octocat/Hello-World/blob/main/.env',
        source: 'commit',
      });

      // The same headers over alert.json with one byte changed ("octocat" to "Octocat"): 401, nothing done.
      const signed = readFileSync(join(dir, 'alert.json'));
      const headers = {
        'content-type': 'application/json',
        'Github-Public-Key-Identifier': keyId,
        'Github-Public-Key-Signature': readFileSync(join(dir, 'sig.txt'), 'utf8'),
      };
      const changed = Buffer.from(signed);
      const at = changed.indexOf('octocat');
      expect(at).toBeGreaterThan(0);
      changed[at] = 'O'.charCodeAt(0);
      writeFileSync(join(dir, 'alert.json'), changed);
      const curl = alert.slice(alert.indexOf('curl -s -X POST')).replace('http://127.0.0.1:3000', system.api);
      const refused = await bash(curl, { cwd: dir, env: { KEY_ID: keyId, SIG: headers['Github-Public-Key-Signature'] } });
      expect(JSON.parse(refused.stdout)).toEqual({ code: 'INVALID_SIGNATURE', message: expect.any(String) });
      const tampered = await fetch(`${system.api}/secret-scanning/github`, { method: 'POST', headers, body: changed });
      expect(tampered.status).toBe(401);
      expect(((await tampered.json()) as { code: string }).code).toBe('INVALID_SIGNATURE');
      // The bytes as signed still verify (so the 401 was that byte): GitHub's replay, a false positive now.
      const replay = await fetch(`${system.api}/secret-scanning/github`, { method: 'POST', headers, body: signed });
      expect(replay.status).toBe(200);
      expect(await replay.json()).toEqual(feedback('false_positive'));
    });

    it('appends one parseable NDJSON line per change to EVENTS_FILE, and prints none', async () => {
      expect(system).toBeDefined();
      const token = await tokenFor(system, 'alice');
      const created = await call(system, '/keys', token, { method: 'POST', body: JSON.stringify({ name: 'other', scopes: ['read'] }) });
      expect(created.status).toBe(201);
      const other = created.body as { id: string; key: string };
      const patch = (body: object) => call(system, `/keys/${other.id}`, token, { method: 'PATCH', body: JSON.stringify(body) });
      expect((await patch({ name: 'renamed' })).status).toBe(200);
      expect((await patch({ name: 'renamed' })).status).toBe(200); // changes nothing, records nothing
      expect((await patch({ enabled: false })).status).toBe(200);
      expect((await call(system, `/keys/${other.id}`, token, { method: 'DELETE' })).status).toBe(204);
      expect((await call(system, `/keys/${other.id}`, token, { method: 'DELETE' })).status).toBe(204); // recorded once

      const expected = [
        [leaked.id, 'create'],
        [leaked.id, 'leak_revoke'],
        [other.id, 'create'],
        [other.id, 'rename'],
        [other.id, 'disable'],
        [other.id, 'revoke'],
      ];
      const fileLines = () => (existsSync(eventsFile) ? readFileSync(eventsFile, 'utf8').split('\n').slice(0, -1) : []);
      await waitFor(`${expected.length} lines in EVENTS_FILE`, () => fileLines().length >= expected.length);
      await sleep(1000); // the stream is read every 250 ms: time for any line too many
      expect(await stop(system)).toBe(0);

      const text = readFileSync(eventsFile, 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      const events = fileLines().map((line) => JSON.parse(line));
      expect(events).toHaveLength(expected.length);
      for (const event of events) {
        expect(event).toMatchObject({
          source: 'user-api-keys',
          'detail-type': `Key ${String(event.detail.type)}`,
          detail: { ownerId: 'alice' },
        });
      }
      // Per key in order; two keys' events may interleave.
      for (const keyId of [leaked.id, other.id]) {
        expect(events.filter((event) => event.detail.keyId === keyId).map((event) => [keyId, event.detail.type])).toEqual(
          expected.filter(([id]) => id === keyId),
        );
      }
      expect(new Set(events.map((event) => event.detail.eventId)).size).toBe(expected.length);
      expect(events.find((event) => event.detail.type === 'leak_revoke').detail).toMatchObject({
        actor: 'github:secret-scanning',
        details: { url: 'https://github.com/octocat/Hello-World/blob/main/.env', source: 'commit' },
      });
      expect(events.find((event) => event.detail.type === 'rename').detail.details).toEqual({ from: 'other', to: 'renamed' });

      const output = system.output();
      expect(output).toContain(`Lifecycle events   appended to ${eventsFile} (NDJSON)`);
      expect(printedEvents(output)).toEqual([]);
      for (const secret of [leaked.key, other.key, leaked.key.split('_')[2]!, other.key.split('_')[2]!]) {
        expect(output).not.toContain(secret);
        expect(text).not.toContain(secret);
      }

      for (const pgid of groups) killGroup(pgid); // python3's http.server
    });
  });
});
