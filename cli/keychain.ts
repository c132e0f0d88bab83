import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { CliError, EXIT } from './errors';

/**
 * The OS keychain, reached as `gh` reaches it (zalando/go-keyring): macOS's own `security`
 * tool, or `secret-tool` (libsecret) for the Secret Service on Linux. A native module would
 * need a binary per platform, which a single bundled file cannot carry, so the CLI runs the
 * OS's tool instead. The secret only ever travels on stdin and stdout, never on a command
 * line (which other users of the machine can read); every run is bounded by a timeout.
 */
export interface Keychain {
  /** Which keychain, for the user: "macOS keychain (security)". */
  readonly description: string;
  /** The short name written beside the login: the tool that holds the token. */
  readonly tool: 'security' | 'secret-tool';
  read(account: string): KeychainRead;
  /** True when the secret was stored and reads back as written. */
  write(account: string, secret: string): boolean;
  /** Best effort: true when the tool says it removed an entry. */
  remove(account: string): boolean;
}

export type KeychainRead = { readonly status: 'found'; readonly secret: string } | { readonly status: 'absent' | 'failed' };

type Env = Readonly<Record<string, string | undefined>>;

/** Long enough for a keychain daemon to answer, short enough that a hung one does not hang the command. */
export const KEYCHAIN_TIMEOUT_MS = 3000;

/** The switch: `off` keeps the login in the file only; `auto` (or unset) uses a keychain when one answers. */
export const KEYCHAIN_SWITCH = 'APIKEY_KEYCHAIN';

export interface KeychainChoice {
  readonly env: Env;
  readonly platform: NodeJS.Platform;
  /** The keychain entry's service: the command's name. */
  readonly service: string;
  readonly timeoutMs?: number | undefined;
}

/** The keychain this machine offers, or undefined for the file alone (switched off, Windows, no tool, no session bus). */
export function keychainFor({ env, platform, service, timeoutMs = KEYCHAIN_TIMEOUT_MS }: KeychainChoice): Keychain | undefined {
  const choice = (env[KEYCHAIN_SWITCH] ?? '').trim().toLowerCase();
  if (choice === 'off') return undefined;
  if (choice !== '' && choice !== 'auto') {
    throw new CliError(`${KEYCHAIN_SWITCH} must be "off" or "auto", not "${env[KEYCHAIN_SWITCH] ?? ''}"`, EXIT.usage, 'BAD_SETTING');
  }
  const run: ToolRunner = (path, args, input) => runTool(path, args, input, env, timeoutMs);
  if (platform === 'darwin') {
    const security = findOnPath('security', env);
    return security !== undefined ? macKeychain(security, service, run) : undefined;
  }
  if (platform === 'linux' || platform === 'freebsd' || platform === 'openbsd') {
    const secretTool = findOnPath('secret-tool', env);
    // Without a session bus secret-tool cannot reach a keyring (and may try to start one): the file it is.
    return secretTool !== undefined && hasSessionBus(env) ? secretService(secretTool, service, run) : undefined;
  }
  return undefined;
}

interface ToolResult {
  /** The exit status; null when the tool could not be run or was stopped at the timeout. */
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

type ToolRunner = (path: string, args: readonly string[], input?: string) => ToolResult;

function runTool(path: string, args: readonly string[], input: string | undefined, env: Env, timeoutMs: number): ToolResult {
  const result = spawnSync(path, args, {
    input: input ?? '',
    env: env,
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    stdio: ['pipe', 'pipe', 'pipe'],
    windowsHide: true,
  });
  if (result.error !== undefined) return { status: null, stdout: '', stderr: result.error.message };
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function findOnPath(name: string, env: Env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function hasSessionBus(env: Env): boolean {
  if ((env.DBUS_SESSION_BUS_ADDRESS ?? '') !== '') return true;
  const runtimeDir = env.XDG_RUNTIME_DIR;
  if (runtimeDir === undefined || runtimeDir === '') return false;
  try {
    accessSync(join(runtimeDir, 'bus'));
    return true;
  } catch {
    return false;
  }
}

/** A found secret must be what was written: a tool that says yes and keeps nothing is no keychain. */
const writtenAndReadBack = (keychain: Pick<Keychain, 'read'>, account: string, secret: string): boolean => {
  const back = keychain.read(account);
  return back.status === 'found' && back.secret === secret;
};

/**
 * macOS: `security -i` reads its commands from stdin, so the secret is never in argv. The value
 * is base64 with go-keyring's prefix (security hex-encodes some values on the way back).
 */
const MAC_PREFIX = 'go-keyring-base64:';
/** security's interactive mode reads lines of at most this length (go-keyring's ErrSetDataTooBig). */
const MAC_MAX_LINE = 4096;
/** `security`'s exit status for "no such item". */
const MAC_NOT_FOUND = 44;

function macKeychain(security: string, service: string, run: ToolRunner): Keychain {
  const keychain: Keychain = {
    description: 'macOS keychain (security)',
    tool: 'security',
    read(account) {
      const result = run(security, ['find-generic-password', '-s', service, '-a', account, '-w']);
      if (result.status === MAC_NOT_FOUND) return { status: 'absent' };
      if (result.status !== 0) return { status: 'failed' };
      const value = result.stdout.trim();
      const secret = value.startsWith(MAC_PREFIX) ? Buffer.from(value.slice(MAC_PREFIX.length), 'base64').toString('utf8') : value;
      return secret === '' ? { status: 'absent' } : { status: 'found', secret };
    },
    write(account, secret) {
      const encoded = `${MAC_PREFIX}${Buffer.from(secret, 'utf8').toString('base64')}`;
      const quotedService = quoted(service);
      const quotedAccount = quoted(account);
      if (quotedService === undefined || quotedAccount === undefined) return false;
      const line = `add-generic-password -U -s ${quotedService} -a ${quotedAccount} -w ${encoded}\n`;
      if (line.length > MAC_MAX_LINE) return false;
      return run(security, ['-i'], line).status === 0 && writtenAndReadBack(keychain, account, secret);
    },
    remove(account) {
      return run(security, ['delete-generic-password', '-s', service, '-a', account]).status === 0;
    },
  };
  return keychain;
}

/** One word for `security -i`'s command line, single-quoted; undefined for what it cannot quote. */
function quoted(word: string): string | undefined {
  return /['\n\r\\]/.test(word) ? undefined : `'${word}'`;
}

/** Linux: libsecret's `secret-tool` stores what it reads on stdin, and prints it back on stdout. */
function secretService(secretTool: string, service: string, run: ToolRunner): Keychain {
  const attributes = (account: string) => ['service', service, 'account', account];
  const keychain: Keychain = {
    description: 'Secret Service (secret-tool)',
    tool: 'secret-tool',
    read(account) {
      const result = run(secretTool, ['lookup', ...attributes(account)]);
      if (result.status === 0 && result.stdout !== '') return { status: 'found', secret: result.stdout.replace(/\n$/, '') };
      // Not found: status 1 and nothing said. Anything said on stderr is a fault (no keyring, locked, no bus).
      if (result.status === 1 && result.stderr.trim() === '') return { status: 'absent' };
      return { status: 'failed' };
    },
    write(account, secret) {
      const stored = run(secretTool, ['store', `--label=${service} login`, ...attributes(account)], secret);
      return stored.status === 0 && writtenAndReadBack(keychain, account, secret);
    },
    remove(account) {
      return run(secretTool, ['clear', ...attributes(account)]).status === 0;
    },
  };
  return keychain;
}
