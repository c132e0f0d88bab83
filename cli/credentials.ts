import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, EXIT } from './errors';

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

const FILE = 'credentials.json';

export function saveLogin(configDir: string, login: StoredLogin): void {
  mkdirSync(configDir, { recursive: true, mode: 0o700 });
  const path = join(configDir, FILE);
  writeFileSync(path, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600); // writeFileSync keeps the mode of a file that already existed
}

export function loadLogin(configDir: string): SavedLogin | undefined {
  let text: string;
  try {
    text = readFileSync(join(configDir, FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<Record<keyof StoredLogin, unknown>> | null;
    if (
      typeof parsed?.accessToken === 'string' &&
      typeof parsed.expiresAt === 'number' &&
      (parsed.endpoint === undefined || typeof parsed.endpoint === 'string') &&
      typeof parsed.authUrl === 'string' &&
      typeof parsed.audience === 'string' &&
      typeof parsed.sub === 'string'
    ) {
      return parsed as SavedLogin;
    }
  } catch {
    // fall through
  }
  throw new CliError(
    `The stored login in ${join(configDir, FILE)} is damaged: run apikey logout, then apikey login`,
    EXIT.auth,
    'BAD_CREDENTIALS',
  );
}

export function removeLogin(configDir: string): boolean {
  const path = join(configDir, FILE);
  try {
    readFileSync(path);
  } catch {
    return false;
  }
  rmSync(path, { force: true });
  return true;
}

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
