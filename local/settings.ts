import { resolve } from 'node:path';
import { DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS } from '../lambdas/api-definition';
import { ConfigError, loadAuthConfig, loadKeyConfig, readInteger } from '../lambdas/runtime/config';
import type { LocalSystemOptions } from './local-system';

type Env = Readonly<Record<string, string | undefined>>;

export const LOCAL_AUDIENCE = 'https://user-api-keys.local';

/** `npm start` shows scopes at work: the sample route needs `read` unless ROUTE_SCOPES says otherwise. */
export const LOCAL_ROUTE_SCOPES = '{"GET /whoami":"read"}';

/** `npm start`'s settings, from the environment, checked before anything starts. */
export function localSettingsFromEnv(env: Env, cwd: string): Omit<LocalSystemOptions, 'logger' | 'onRequest'> {
  const port = readInteger(env, 'PORT', 3000, 0, 65535);
  const endpoint = env.DYNAMODB_ENDPOINT?.trim();
  if (endpoint && !/^https?:\/\/[^\s]+$/.test(endpoint)) {
    throw new ConfigError(`DYNAMODB_ENDPOINT must be an http(s) URL, got "${endpoint}"`);
  }
  const inMemory = env.DYNAMODB_IN_MEMORY === '1' || env.DYNAMODB_IN_MEMORY === 'true';
  const dataDir = resolve(cwd, env.DATA_DIR?.trim() || '.data');
  const useAuth0 = Boolean(env.AUTH0_DOMAIN?.trim());
  return {
    port,
    keys: loadKeyConfig(env, { tableName: 'ApiKeys', routeScopes: LOCAL_ROUTE_SCOPES }),
    dynamodb: endpoint ? { endpoint } : { port: readInteger(env, 'DYNAMODB_PORT', 8000, 1, 65535), ...(inMemory ? {} : { dataDir }) },
    identity: useAuth0
      ? { auth: loadAuthConfig(env) }
      : { devPort: readInteger(env, 'DEV_IDP_PORT', 3001, 0, 65535), audience: env.AUTH0_AUDIENCE?.trim() || LOCAL_AUDIENCE },
    authorizerCacheTtlSeconds: readInteger(env, 'AUTHORIZER_CACHE_TTL_SECONDS', DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS, 0, 3600),
  };
}
