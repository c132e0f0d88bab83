/**
 * The packaged CLI as its users get it: a tarball installed with `npm install -g` into a
 * prefix of its own, run by the path npm linked, with nothing in its environment but PATH
 * and a config directory. Shared by the CI smoke test (scripts/smoke-cli-package.ts) and
 * test/e2e/cli-package.test.ts.
 */
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';

export interface CliAnswer {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npm install -g --prefix <prefix> <tarballs>`: offline, as the packages have no dependencies. */
export async function installGlobally(tarballs: readonly string[], prefix: string): Promise<void> {
  await promisify(execFile)('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--offline', ...tarballs], {
    timeout: 120_000,
  });
}

/** The environment the installed command runs in: node's folder and the prefix's bin on PATH, a config directory, nothing else. */
export function bareEnv(prefix: string, configDir: string): Record<string, string> {
  const nodeDir = join(process.execPath, '..');
  return { PATH: [join(prefix, 'bin'), nodeDir].join(':'), APIKEY_CONFIG_DIR: configDir };
}

export class InstalledCli {
  constructor(
    /** The command's name, looked up on PATH as a user's shell would. */
    readonly command: string,
    readonly env: Readonly<Record<string, string>>,
    private readonly timeoutMs = 30_000,
  ) {}

  async run(args: readonly string[]): Promise<CliAnswer> {
    try {
      const { stdout, stderr } = await promisify(execFile)(this.command, [...args], { env: this.env, timeout: this.timeoutMs });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number | string; stdout?: string; stderr?: string; killed?: boolean };
      if (typeof failed.code !== 'number') {
        throw new Error(`${this.command} ${args.join(' ')} did not run: ${String(failed.code)} ${failed.stderr ?? ''}`, { cause: error });
      }
      return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
    }
  }

  /**
   * `<command> login`, approved as `user` through the development identity provider's
   * activation endpoint at `idpUrl` (a person would open the link and press Approve).
   */
  async login(idpUrl: string, user: string): Promise<CliAnswer> {
    const child = spawn(this.command, ['login'], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), this.timeoutMs);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number>((resolve) =>
      child.once('exit', (code) => {
        resolve(code ?? -1);
      }),
    );
    try {
      const userCode = await new Promise<string>((resolve, reject) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const match = /confirm the code ([A-Z]{4}-[A-Z]{4})/.exec(stripVTControlCharacters(stderr));
          if (match?.[1] !== undefined) resolve(match[1]);
        });
        void exited.then((code) => {
          reject(new Error(`${this.command} login exited (${code}) before showing a code: ${stderr}`));
        });
      });
      const approval = await fetch(`${idpUrl}/activate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ user_code: userCode, user }),
        signal: AbortSignal.timeout(10_000),
      });
      if (approval.status !== 200) throw new Error(`the identity provider refused to approve ${userCode}: HTTP ${approval.status}`);
      return { code: await exited, stdout, stderr };
    } finally {
      clearTimeout(timer);
    }
  }
}
