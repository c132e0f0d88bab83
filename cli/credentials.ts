import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    const { accessToken, ...rest } = login;
    if (this.keychain?.write(this.account, accessToken) === true) {
      this.writeFile({ ...rest, [TOKEN_IN_KEYCHAIN]: this.keychain.tool });
      return { kind: 'keychain', tool: this.keychain.tool };
    }
    this.writeFile(login);
    return { kind: 'file', path: this.path };
  }

  load(): LoadedLogin | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return undefined;
    }
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

  /** Forgets the login: the keychain's entry and the file. True when there was one. */
  remove(): boolean {
    const removedFromKeychain = this.keychain?.remove(this.account) === true;
    try {
      readFileSync(this.path);
    } catch {
      return removedFromKeychain;
    }
    rmSync(this.path, { force: true });
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

  private writeFile(content: object): void {
    writeFileSync(this.path, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
    chmodSync(this.path, 0o600); // writeFileSync keeps the mode of a file that already existed
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
