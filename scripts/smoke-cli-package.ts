/**
 * CI's smoke test of the packaged CLI (`npx tsx scripts/smoke-cli-package.ts`, run by
 * .ci/run): `npm run build:cli`, both tarballs installed into a temporary prefix, then the
 * installed `apikey`, with only PATH and a temporary config directory, against `npm start`:
 * --version, login (approved through the development identity provider), create, list,
 * rotate, revoke, logout, each answer checked. Exits 1 with the step that failed; always
 * stops `npm start` and removes what it made.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bareEnv, InstalledCli, installGlobally, type CliAnswer } from './installed-cli';
import { PROJECT_ROOT, projectVersion } from './cli-package';

/** Where the default build points: npm start's gateway and development identity provider. */
const GATEWAY = 'http://127.0.0.1:3000';
const IDP = 'http://127.0.0.1:3001';
const KEY_PATTERN = /^uak_[0-9A-Za-z]{22}_[0-9A-Za-z]{49}$/;
const READY_LINE = 'Press Ctrl-C to stop.';

class SmokeFailure extends Error {
  override readonly name = 'SmokeFailure';
}

function check(condition: boolean, what: string, answer?: CliAnswer): asserts condition {
  if (!condition) {
    const detail =
      answer !== undefined ? `\n  exit ${answer.code}\n  stdout: ${answer.stdout.trim()}\n  stderr: ${answer.stderr.trim()}` : '';
    throw new SmokeFailure(`${what}${detail}`);
  }
}

const step = (text: string) => process.stdout.write(`smoke: ${text}\n`);

/** Runs a command to its end, bounded by `timeoutMs`; its stdout, or a failure with its output. */
function runToEnd(command: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(stdout);
      else reject(new SmokeFailure(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${stderr}${stdout}`));
    });
  });
}

const portInUse = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === 'object' && address !== null) resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });

/** `npm start` in a process group of its own, so it and everything it started (DynamoDB Local's Java) are stopped together. */
class NpmStart {
  private output = '';
  private readonly child: ChildProcess;

  constructor(env: NodeJS.ProcessEnv) {
    this.child = spawn('npm', ['start'], { cwd: PROJECT_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  tail(): string {
    return this.output.split('\n').slice(-30).join('\n');
  }

  ready(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setInterval(() => {
        if (this.output.includes(READY_LINE)) finish();
      }, 100);
      const deadline = setTimeout(() => {
        finish(new SmokeFailure(`npm start was not ready within ${timeoutMs / 1000} s:\n${this.tail()}`));
      }, timeoutMs);
      const exited = (code: number | null) => {
        finish(new SmokeFailure(`npm start exited (${code}) before it was ready:\n${this.tail()}`));
      };
      this.child.once('exit', exited);
      const finish = (error?: Error) => {
        clearInterval(timer);
        clearTimeout(deadline);
        this.child.off('exit', exited);
        if (error === undefined) resolve();
        else reject(error);
      };
    });
  }

  /** Ctrl-C to the whole group, then SIGKILL if it has not stopped within `graceMs`. */
  async stop(graceMs = 20_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) =>
      this.child.once('exit', () => {
        resolve();
      }),
    );
    this.signal('SIGINT');
    const timer = setTimeout(() => {
      this.signal('SIGKILL');
    }, graceMs);
    await exited;
    clearTimeout(timer);
    this.signal('SIGKILL'); // anything of the group still running
  }

  /** Last resort, on exit: no orphaned gateway or Java. */
  kill(): void {
    this.signal('SIGKILL');
  }

  private signal(signal: NodeJS.Signals): void {
    try {
      if (this.child.pid !== undefined) process.kill(-this.child.pid, signal);
    } catch {
      // the group is gone
    }
  }
}

const status = async (key: string) =>
  (await fetch(`${GATEWAY}/whoami`, { headers: { authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(10_000) })).status;

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'apikey-smoke-'));
  let npmStart: NpmStart | undefined;
  process.on('exit', () => npmStart?.kill());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      npmStart?.kill();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
  try {
    const version = projectVersion();
    // Into a folder of its own: an operator's branded build in dist/ is left alone.
    const outDir = join(work, 'dist');
    step(`npm run build:cli -- --out-dir ${outDir}`);
    const tarballs = (await runToEnd('npm', ['run', '-s', 'build:cli', '--', '--out-dir', outDir], 300_000)).trim().split('\n');
    const [cliTarball, clientTarball] = tarballs;
    check(cliTarball === join(outDir, `apikey-${version}.tgz`), `the CLI's tarball is apikey-${version}.tgz, not ${cliTarball}`);
    check(clientTarball !== undefined && existsSync(clientTarball), `the client library's tarball is beside it (got ${clientTarball})`);

    step(`installing ${tarballs.map((t) => t.replace(`${PROJECT_ROOT}/`, '')).join(' and ')} into a temporary prefix`);
    const prefix = join(work, 'prefix');
    await installGlobally(tarballs, prefix);
    const configDir = join(work, 'config');
    const cli = new InstalledCli('apikey', bareEnv(prefix, configDir));
    const printed = await cli.run(['--version']);
    check(printed.code === 0 && printed.stdout === `${version}\n`, `apikey --version prints ${version}`, printed);

    for (const port of [3000, 3001]) {
      check(
        !(await portInUse(port)),
        `port ${port} is free (the default build points at npm start's 3000 and 3001; stop what listens there)`,
      );
    }
    step('npm start');
    npmStart = new NpmStart({
      ...process.env,
      DATA_DIR: join(work, 'data'),
      DYNAMODB_IN_MEMORY: 'true',
      DYNAMODB_PORT: String(await freePort()),
      AUTHORIZER_CACHE_TTL_SECONDS: '0', // a revoked key is refused at once
    });
    await npmStart.ready(180_000);

    step('login, create, list, rotate, revoke, logout with the installed apikey');
    const before = await cli.run(['list']);
    check(
      before.code === 2 && before.stderr.includes('Not logged in: run apikey login'),
      'list before login: exit 2, "run apikey login"',
      before,
    );

    const login = await cli.login(IDP, 'smoke-user');
    check(login.code === 0 && login.stdout === 'Logged in as smoke-user.\n', 'login approved through the identity provider', login);
    const credentials = join(configDir, 'credentials.json');
    check(existsSync(credentials) && (statSync(credentials).mode & 0o777) === 0o600, 'the login is kept in the config directory, 0600');
    const token = (JSON.parse(readFileSync(credentials, 'utf8')) as { accessToken?: string }).accessToken;
    check(typeof token === 'string' && token.length > 20, 'with no keychain in this environment, the token is in the file');
    const answers: CliAnswer[] = [printed, before, login];
    const run = async (args: string[]) => {
      const answer = await cli.run(args);
      answers.push(answer);
      return answer;
    };

    const whoami = await run(['whoami', '--json']);
    check(whoami.code === 0 && (JSON.parse(whoami.stdout) as { sub: string }).sub === 'smoke-user', 'whoami says smoke-user', whoami);

    const created = await run(['create', '--name', 'smoke', '--scope', 'read', '--expires', '1d']);
    const key = created.stdout.trim();
    check(created.code === 0 && KEY_PATTERN.test(key), 'create prints the new key alone on stdout', created);
    const id = key.split('_')[1] ?? '';
    check((await status(key)) === 200, 'the new key works at the gateway');

    const listed = await run(['list', '--json']);
    const keys = listed.code === 0 ? (JSON.parse(listed.stdout) as { keys: { id: string; status: string }[] }).keys : [];
    check(
      keys.some((k) => k.id === id && k.status === 'active'),
      `list shows ${id} active`,
      listed,
    );

    const rotated = await run(['rotate', id, '--grace', '0']);
    const newKey = rotated.stdout.trim();
    check(rotated.code === 0 && KEY_PATTERN.test(newKey) && newKey !== key, 'rotate prints a new key', rotated);
    const newId = newKey.split('_')[1] ?? '';
    check(
      (await status(newKey)) === 200 && (await status(key)) === 403,
      'after rotate --grace 0 the new key works and the old one is refused',
    );

    const revoked = await run(['revoke', newId]);
    check(revoked.code === 0 && revoked.stdout === `Revoked ${newId}.\n`, `revoke says "Revoked ${newId}."`, revoked);
    check((await status(newKey)) === 403, 'the revoked key is refused');
    const shown = await run(['show', newId, '--json']);
    check(shown.code === 0 && (JSON.parse(shown.stdout) as { status: string }).status === 'revoked', 'show says revoked', shown);

    const logout = await run(['logout']);
    check(logout.code === 0 && !existsSync(credentials), 'logout removes the stored login', logout);
    check(
      answers.every((a) => !a.stdout.includes(token) && !a.stderr.includes(token)),
      'the access token never appears in any output',
    );
    step('passed');
  } catch (error) {
    const detail = error instanceof SmokeFailure ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`smoke: FAILED: ${detail}\n`);
    if (npmStart !== undefined) process.stderr.write(`npm start's last lines:\n${npmStart.tail()}\n`);
    process.exitCode = 1;
  } finally {
    await npmStart?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

void main();
