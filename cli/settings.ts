import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError, EXIT } from './errors';

/** Where the CLI talks to, and as which OAuth client. */
export interface CliSettings {
  /** The gateway URL, e.g. https://abc.execute-api.eu-west-1.amazonaws.com */
  readonly endpoint: string;
  /** The identity provider's base URL: https://<AUTH0_DOMAIN> (or the local development one). */
  readonly authUrl: string;
  readonly clientId: string;
  readonly audience: string;
  /** An access token given directly (APIKEY_TOKEN), for automation. */
  readonly token?: string;
  readonly configDir: string;
}

export interface SettingFlags {
  readonly endpoint?: string;
  readonly authDomain?: string;
  readonly clientId?: string;
  readonly audience?: string;
}

/** Defaults that point at `npm start`, so the CLI works against the local system out of the box. */
export const LOCAL_DEFAULTS = {
  endpoint: 'http://127.0.0.1:3000',
  authUrl: 'http://127.0.0.1:3001',
  clientId: 'apikey-cli',
  audience: 'https://user-api-keys.local',
} as const;

type Env = Readonly<Record<string, string | undefined>>;

/** A flag or variable set to the empty string counts as not set. */
const given = (value: string | undefined): string | undefined => (value === '' ? undefined : value);

export function configDirectory(env: Env): string {
  if (env.APIKEY_CONFIG_DIR) return env.APIKEY_CONFIG_DIR;
  return join(given(env.XDG_CONFIG_HOME) ?? join(homedir(), '.config'), 'apikey');
}

/** `example.eu.auth0.com` → `https://example.eu.auth0.com`; plain http only for this machine. */
export function authUrlFrom(value: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(value) ? value : `https://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new CliError(`Not a valid identity provider domain or URL: "${value}"`, EXIT.usage, 'BAD_SETTING');
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new CliError(`The identity provider must use https (plain http only on this machine): "${value}"`, EXIT.usage, 'BAD_SETTING');
  }
  return url.origin;
}

function endpointFrom(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(`Not a valid endpoint URL: "${value}"`, EXIT.usage, 'BAD_SETTING');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new CliError(`The endpoint must be an http(s) URL: "${value}"`, EXIT.usage, 'BAD_SETTING');
  }
  return value.replace(/\/+$/, '');
}

function readConfigFile(dir: string): Record<string, unknown> {
  const path = join(dir, 'config.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new CliError(`${path} is not a JSON object`, EXIT.usage, 'BAD_CONFIG_FILE');
}

/** Flags win over the environment, which wins over the config file, which wins over the local defaults. */
export function resolveSettings(flags: SettingFlags, env: Env): CliSettings {
  const configDir = configDirectory(env);
  const file = readConfigFile(configDir);
  const pick = (flag: string | undefined, envName: string, fileKey: string, fallback: string): string => {
    const fromFile = file[fileKey];
    return given(flag) ?? given(env[envName]) ?? (typeof fromFile === 'string' ? given(fromFile) : undefined) ?? fallback;
  };
  const token = env.APIKEY_TOKEN?.trim();
  return {
    endpoint: endpointFrom(pick(flags.endpoint, 'APIKEY_ENDPOINT', 'endpoint', LOCAL_DEFAULTS.endpoint)),
    authUrl: authUrlFrom(pick(flags.authDomain, 'APIKEY_AUTH_DOMAIN', 'authDomain', LOCAL_DEFAULTS.authUrl)),
    clientId: pick(flags.clientId, 'APIKEY_CLIENT_ID', 'clientId', LOCAL_DEFAULTS.clientId),
    audience: pick(flags.audience, 'APIKEY_AUDIENCE', 'audience', LOCAL_DEFAULTS.audience),
    ...(token ? { token } : {}),
    configDir,
  };
}
