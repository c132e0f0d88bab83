import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { checkedUrl } from '../client/base-url';
import { ApiError } from '../client/errors';
import { BRAND, LOCAL_BRAND } from './brand';
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
  endpoint: LOCAL_BRAND.endpoint,
  authUrl: LOCAL_BRAND.authDomain,
  clientId: LOCAL_BRAND.clientId,
  audience: LOCAL_BRAND.audience,
} as const;

/** The defaults this build was branded with (`npm run build:cli`): the local system's when run from this repository. */
export const DEFAULTS = {
  endpoint: BRAND.endpoint,
  authUrl: BRAND.authDomain,
  clientId: BRAND.clientId,
  audience: BRAND.audience,
} as const;

type Env = Readonly<Record<string, string | undefined>>;

/** A flag or variable set to the empty string counts as not set. */
const given = (value: string | undefined): string | undefined => (value === '' ? undefined : value);

/** APIKEY_CONFIG_DIR, else `<command>` in XDG_CONFIG_HOME (~/.config): a branded build keeps its own. */
export function configDirectory(env: Env): string {
  if (env.APIKEY_CONFIG_DIR) return env.APIKEY_CONFIG_DIR;
  return join(given(env.XDG_CONFIG_HOME) ?? join(homedir(), '.config'), BRAND.command);
}

/**
 * The client library's own rule (client/base-url.ts), so the CLI accepts exactly what its client will send to:
 * https, or plain http to this machine only (anywhere else it would carry the token in cleartext); no
 * user:password in the URL. Its refusal is a usage error (exit 1, INSECURE_ENDPOINT) in the client's words,
 * which name the scheme and host only, then where the value came from.
 */
function checkedSetting(url: URL, what: string, carries: string, from?: string): void {
  try {
    checkedUrl(url, what, carries);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    throw new CliError(from === undefined ? error.message : `${error.message} (from ${from})`, EXIT.usage, error.code);
  }
}

/** `example.eu.auth0.com` → `https://example.eu.auth0.com`; plain http only for this machine. */
export function authUrlFrom(value: string, from?: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(value) ? value : `https://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    const source = from === undefined ? '' : ` (from ${from})`;
    throw new CliError(`Not a valid identity provider domain or URL: "${value}"${source}`, EXIT.usage, 'BAD_SETTING');
  }
  checkedSetting(url, 'identity provider', 'the device code and your access token', from);
  return url.origin;
}

/** Where a setting's value came from, as the user would write it, so an error names what to fix. */
interface SettingSource {
  readonly flag: string;
  readonly env: string;
  readonly fileKey: string;
}

type Origin = 'flag' | 'env' | 'file' | 'default';

function describeOrigin(origin: Origin, source: SettingSource, configDir: string): string {
  switch (origin) {
    case 'flag':
      return source.flag;
    case 'env':
      return source.env;
    case 'file':
      return `"${source.fileKey}" in ${join(configDir, 'config.json')}`;
    case 'default':
      return 'the default';
  }
}

const ENDPOINT_SOURCE: SettingSource = { flag: '--endpoint', env: 'APIKEY_ENDPOINT', fileKey: 'endpoint' };
const AUTH_DOMAIN_SOURCE: SettingSource = { flag: '--auth-domain', env: 'APIKEY_AUTH_DOMAIN', fileKey: 'authDomain' };

/**
 * The gateway URL without trailing slashes (scheme and host lowercased, default port dropped),
 * so a login bound to it compares equal however it was typed. https, or plain http to this machine.
 */
export function endpointFrom(value: string, from: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(`Not a valid endpoint URL: "${value}" (from ${from})`, EXIT.usage, 'BAD_SETTING');
  }
  checkedSetting(url, 'endpoint', 'your access token', from);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
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

/** Flags win over the environment, which wins over the config file, which wins over the build's defaults. */
export function resolveSettings(flags: SettingFlags, env: Env): CliSettings {
  const configDir = configDirectory(env);
  const file = readConfigFile(configDir);
  /** The value and where it came from: the first of flag, environment, config file and default that is set. */
  const pickWithOrigin = (flag: string | undefined, envName: string, fileKey: string, fallback: string): [string, Origin] => {
    const fromFile = file[fileKey];
    const candidates: [string | undefined, Origin][] = [
      [given(flag), 'flag'],
      [given(env[envName]), 'env'],
      [typeof fromFile === 'string' ? given(fromFile) : undefined, 'file'],
    ];
    for (const [value, origin] of candidates) if (value !== undefined) return [value, origin];
    return [fallback, 'default'];
  };
  const pick = (flag: string | undefined, envName: string, fileKey: string, fallback: string): string =>
    pickWithOrigin(flag, envName, fileKey, fallback)[0];
  const [endpoint, endpointOrigin] = pickWithOrigin(flags.endpoint, ENDPOINT_SOURCE.env, ENDPOINT_SOURCE.fileKey, DEFAULTS.endpoint);
  const [authDomain, authDomainOrigin] = pickWithOrigin(
    flags.authDomain,
    AUTH_DOMAIN_SOURCE.env,
    AUTH_DOMAIN_SOURCE.fileKey,
    DEFAULTS.authUrl,
  );
  const token = env.APIKEY_TOKEN?.trim();
  return {
    endpoint: endpointFrom(endpoint, describeOrigin(endpointOrigin, ENDPOINT_SOURCE, configDir)),
    authUrl: authUrlFrom(authDomain, describeOrigin(authDomainOrigin, AUTH_DOMAIN_SOURCE, configDir)),
    clientId: pick(flags.clientId, 'APIKEY_CLIENT_ID', 'clientId', DEFAULTS.clientId),
    audience: pick(flags.audience, 'APIKEY_AUDIENCE', 'audience', DEFAULTS.audience),
    ...(token ? { token } : {}),
    configDir,
  };
}
