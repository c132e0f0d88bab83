import { resolve } from 'node:path';
import { authConfigFrom, keyConfigFrom } from '../lambdas/runtime/config';
import { environmentReader, loadSettings } from '../lambdas/settings/load';
import { LOCAL_AUDIENCE } from '../lambdas/settings/schema';
import type { LocalSystemOptions } from './local-system';

type Env = Readonly<Record<string, string | undefined>>;

export { LOCAL_AUDIENCE };

/**
 * `npm start`'s settings, from the environment, checked before anything
 * starts: the schema's `local` settings (with its own defaults: table
 * `ApiKeys`, `GET /whoami` needing the `read` scope).
 */
export function localSettingsFromEnv(env: Env, cwd: string): Omit<LocalSystemOptions, 'logger' | 'onRequest'> {
  const settings = loadSettings('local', environmentReader(env));
  return {
    port: settings.port,
    keys: keyConfigFrom(settings),
    dynamodb:
      settings.dynamodbEndpoint !== undefined
        ? { endpoint: settings.dynamodbEndpoint }
        : { port: settings.dynamodbPort, ...(settings.dynamodbInMemory ? {} : { dataDir: resolve(cwd, settings.dataDir) }) },
    // Unset AUTH0_DOMAIN: the development identity provider stands in for Auth0.
    identity:
      settings.auth0Domain !== undefined
        ? { auth: authConfigFrom(settings) }
        : {
            devPort: settings.devIdpPort,
            audience: settings.auth0Audience ?? LOCAL_AUDIENCE,
            requiredScope: settings.requiredScope,
            allowMachineTokens: settings.allowMachineTokens,
          },
    authorizerCacheTtlSeconds: settings.authorizerCacheTtlSeconds,
  };
}
