import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { BRAND } from './brand';
import { CliError, EXIT } from './errors';
import type { Keychain } from './keychain';

/** A stored login. The file is the user's alone (0600), and nothing here ever prints the token. */
export interface StoredLogin {
  readonly accessToken: string;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
  /** The API endpoint the login was made for: it is never sent anywhere else. */
  readonly endpoint: string;
  readonly authUrl: string;
  readonly audience: string;
  readonly sub: string;
}

/** What credentials.json may hold: a login saved before logins were bound to an endpoint has none. */
export type SavedLogin = Omit<StoredLogin, 'endpoint'> & { readonly endpoint?: string | undefined };

/** Where the token is kept: the OS keychain (the file then holds the rest of the login), or the file alone. */
export type LoginStorage = { readonly kind: 'keychain'; readonly tool: string } | { readonly kind: 'file'; readonly path: string };

export type LoadedLogin = SavedLogin & { readonly storage: LoginStorage };

const FILE = 'credentials.json';

/** Mode bits only POSIX systems keep: on Windows the file's ACL (the user's profile) guards it instead. */
const POSIX = process.platform !== 'win32';

/** The file's field that says the token is in a keychain, and which tool holds it. */
const TOKEN_IN_KEYCHAIN = 'tokenInKeychain';

/** How the storage reads for a person. */
export function describeStorage(storage: LoginStorage): string {
  return storage.kind === 'keychain' ? `the OS keychain (${storage.tool})` : storage.path;
}

/**
 * The login of one config directory: its token in the OS keychain when one is given and
 * works, else in credentials.json (0600), as `gh` keeps its tokens. The rest of the login
 * (expiry, endpoint, identity provider, audience, user) is always in the file, never secret.
 */
export class LoginStore {
  readonly path: string;
  /** The keychain entry's account: the config directory, so each directory has a login of its own. */
  private readonly account: string;

  constructor(
    readonly configDir: string,
    private readonly keychain?: Keychain,
  ) {
    this.path = join(configDir, FILE);
    this.account = resolve(configDir);
  }

  /** Saves the login; where its token went. A keychain that fails means the file, never no login. */
  save(login: StoredLogin): LoginStorage {
    mkdirSync(this.configDir, { recursive: true, mode: 0o700 });
    // mkdir's mode is only for a folder it makes: one that was there (0755, say) is made the user's alone too,
    // when it is the user's to change (a shared folder is left as it is: the file itself is 0600 from birth).
    if (POSIX) {
      try {
        chmodSync(this.configDir, 0o700);
      } catch {
        // EPERM: another user's folder.
      }
    }
    const { accessToken, ...rest } = login;
    if (this.keychain?.write(this.account, accessToken) === true) {
      this.writeFile({ ...rest, [TOKEN_IN_KEYCHAIN]: this.keychain.tool });
      return { kind: 'keychain', tool: this.keychain.tool };
    }
    // The token goes to the file: an earlier login's token left in the keychain would outlive it (best effort).
    this.keychain?.remove(this.account);
    this.writeFile(login);
    return { kind: 'file', path: this.path };
  }

  load(): LoadedLogin | undefined {
    const text = this.readFile();
    if (text === undefined) return undefined;
    const parsed = parseLogin(text);
    if (parsed === undefined) {
      throw new CliError(
        `The stored login in ${this.path} is damaged: run ${BRAND.command} logout, then ${BRAND.command} login`,
        EXIT.auth,
        'BAD_CREDENTIALS',
      );
    }
    if (parsed.tokenInKeychain === undefined) return { ...parsed.login, storage: { kind: 'file', path: this.path } };
    return {
      ...parsed.login,
      accessToken: this.tokenFromKeychain(parsed.tokenInKeychain),
      storage: { kind: 'keychain', tool: parsed.tokenInKeychain },
    };
  }

  /**
   * Forgets the login: the keychain's entry (whatever the file says, so an entry an earlier login left goes
   * too) and the file (whatever it is: a link in its place is removed, not followed). True when there was one.
   * A file whose token is in a keychain this command cannot reach now (APIKEY_KEYCHAIN=off, or the tool gone)
   * is removed all the same, then a CliError says the token is still in the keychain and how to remove it.
   */
  remove(): boolean {
    const removedFromKeychain = this.keychain?.remove(this.account) === true;
    try {
      lstatSync(this.path);
    } catch {
      return removedFromKeychain;
    }
    let leftIn: string | undefined;
    if (this.keychain === undefined) {
      try {
        leftIn = parseLogin(readFileSync(this.path, 'utf8'))?.tokenInKeychain;
      } catch {
        leftIn = undefined;
      }
    }
    rmSync(this.path, { force: true });
    if (leftIn !== undefined) {
      throw new CliError(
        `Logged out here, but your login's token is still in the OS keychain (${leftIn}), which this command cannot reach now ` +
          `(APIKEY_KEYCHAIN=off, or ${leftIn} not found): run APIKEY_KEYCHAIN=auto ${BRAND.command} logout where the keychain is available`,
        EXIT.auth,
        'KEYCHAIN_UNAVAILABLE',
      );
    }
    return true;
  }

  private tokenFromKeychain(tool: string): string {
    const read = this.keychain?.tool === tool ? this.keychain.read(this.account) : undefined;
    if (read?.status === 'found') return read.secret;
    const why =
      read === undefined
        ? `which is not available now (${tool} not found, or APIKEY_KEYCHAIN=off)`
        : read.status === 'absent'
          ? 'which no longer holds it'
          : 'which did not answer';
    throw new CliError(
      `Your login's token is in the OS keychain (${tool}), ${why}: run ${BRAND.command} login`,
      EXIT.auth,
      'KEYCHAIN_UNAVAILABLE',
    );
  }

  /**
   * The file's text, read only when it is a plain file of this user's that nobody else can read (else a
   * CliError saying what to do, never the token); undefined when there is none.
   */
  private readFile(): string | undefined {
    let fd: number;
    try {
      // O_NOFOLLOW: a link put where the file was is refused (ELOOP), not followed.
      fd = openSync(this.path, constants.O_RDONLY | (POSIX ? constants.O_NOFOLLOW : 0));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw this.refused('is a link, not the login file');
      return undefined;
    }
    try {
      // Checked on the open file itself, so what is read is what was checked.
      const stat = fstatSync(fd);
      if (!stat.isFile()) throw this.refused('is not a file');
      if (POSIX && process.getuid !== undefined && stat.uid !== process.getuid()) throw this.refused('belongs to another user');
      if (POSIX && (stat.mode & 0o077) !== 0) {
        throw this.refused(`can be read by others (mode ${(stat.mode & 0o777).toString(8)}): the token in it may be known`);
      }
      return readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  }

  private refused(why: string): CliError {
    return new CliError(
      `The stored login ${this.path} ${why}, so it was not used: run ${BRAND.command} logout, then ${BRAND.command} login`,
      EXIT.auth,
      'CREDENTIALS_EXPOSED',
    );
  }

  /**
   * Written whole to a temporary file made for it (O_EXCL, 0600 from the start: never readable by others, never
   * someone else's file), then renamed into place: rename replaces a link at the path rather than writing
   * through it, and a crash never leaves half a login.
   */
  private writeFile(content: object): void {
    const temporary = join(this.configDir, `.${FILE}.${randomBytes(6).toString('hex')}.tmp`);
    const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      try {
        writeSync(fd, `${JSON.stringify(content, null, 2)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temporary, this.path);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
  }
}

/** The file's login, with its token, or a note that the token is in a keychain; undefined when it is not a login. */
function parseLogin(text: string): { login: SavedLogin; tokenInKeychain?: string } | undefined {
  let parsed: Partial<Record<keyof StoredLogin | typeof TOKEN_IN_KEYCHAIN, unknown>> | null;
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    return undefined;
  }
  const inKeychain = parsed?.[TOKEN_IN_KEYCHAIN];
  const tokenOk = typeof inKeychain === 'string' ? parsed?.accessToken === undefined : typeof parsed?.accessToken === 'string';
  if (
    !tokenOk ||
    typeof parsed?.expiresAt !== 'number' ||
    !(parsed.endpoint === undefined || typeof parsed.endpoint === 'string') ||
    typeof parsed.authUrl !== 'string' ||
    typeof parsed.audience !== 'string' ||
    typeof parsed.sub !== 'string'
  ) {
    return undefined;
  }
  const login: SavedLogin = {
    accessToken: typeof parsed.accessToken === 'string' ? parsed.accessToken : '',
    expiresAt: parsed.expiresAt,
    ...(parsed.endpoint !== undefined ? { endpoint: parsed.endpoint } : {}),
    authUrl: parsed.authUrl,
    audience: parsed.audience,
    sub: parsed.sub,
  };
  return typeof inKeychain === 'string' ? { login, tokenInKeychain: inKeychain } : { login };
}

/** The file alone (no keychain): for tests and tools that read a config directory directly. */
export const saveLogin = (configDir: string, login: StoredLogin): LoginStorage => new LoginStore(configDir).save(login);
export const loadLogin = (configDir: string): LoadedLogin | undefined => new LoginStore(configDir).load();
export const removeLogin = (configDir: string): boolean => new LoginStore(configDir).remove();

/** The `sub` and `exp` of a JWT, read without verifying it (the server verifies; this is for display). */
export function peekToken(token: string): { sub?: string; exp?: number } {
  const payload = token.split('.')[1];
  if (payload === undefined) return {};
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    return {
      ...(typeof claims.sub === 'string' ? { sub: claims.sub } : {}),
      ...(typeof claims.exp === 'number' ? { exp: claims.exp } : {}),
    };
  } catch {
    return {};
  }
}
