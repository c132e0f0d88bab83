import { join, resolve } from 'node:path';
import { SAMPLE_API_KEY_ROUTES, uncheckedRouteScope } from '../lambdas/domain/route-scope-check';
import { authConfigFrom, ConfigError, keyConfigFrom } from '../lambdas/runtime/config';
import { environmentReader, loadSettings } from '../lambdas/settings/load';
import { LOCAL_AUDIENCE, type SettingsFor } from '../lambdas/settings/schema';
import { readCredentials, type DynamoDbCredentials } from './dynamodb-credentials';
import { DEV_GITHUB_KEY_FILE } from './dev-github';
import type { LocalSystemOptions } from './local-system';

type Env = Readonly<Record<string, string | undefined>>;

export { LOCAL_AUDIENCE };

/** The development identity provider's signing key, in DATA_DIR (0600). */
export const DEV_IDP_KEY_FILE = 'dev-idp-signing-key.json';

/**
 * `npm start`'s settings, from the environment, checked before anything
 * starts: the schema's `local` settings (with its own defaults: table
 * `ApiKeys`, `GET /whoami` needing the `read` scope).
 */
export function localSettingsFromEnv(env: Env, cwd: string): Omit<LocalSystemOptions, 'logger' | 'onRequest'> {
  const settings = loadSettings('local', environmentReader(env));
  // As synth does over the stack's routes: a scope on a route npm start does not guard with keys would never be checked.
  const unchecked = uncheckedRouteScope(settings.routeScopes, SAMPLE_API_KEY_ROUTES, { sampleReplaced: false });
  if (unchecked !== undefined) throw new ConfigError('ROUTE_SCOPES', { detail: unchecked });
  const dataDir = resolve(cwd, settings.dataDir);
  return {
    port: settings.port,
    keys: keyConfigFrom(settings),
    dynamodb:
      settings.dynamodbEndpoint !== undefined
        ? dynamodbEndpointSetting(settings.dynamodbEndpoint, dataDir)
        : // In memory, no table data reaches the disk, but the key file does, so the project's tools find it in DATA_DIR.
          { port: settings.dynamodbPort, ...(settings.dynamodbInMemory ? { keyDir: dataDir } : { dataDir }) },
    // Unset AUTH0_DOMAIN: the development identity provider stands in for Auth0.
    identity:
      settings.auth0Domain !== undefined
        ? { auth: authConfigFrom(settings) }
        : {
            devPort: settings.devIdpPort,
            audience: settings.auth0Audience ?? LOCAL_AUDIENCE,
            requiredScope: settings.requiredScope,
            allowMachineTokens: settings.allowMachineTokens,
            adminScope: settings.adminScope,
            // Beside the table's data: the tokens it signed still verify after a restart, as they would with Auth0.
            keyFile: join(dataDir, DEV_IDP_KEY_FILE),
          },
    authorizerCacheTtlSeconds: settings.authorizerCacheTtlSeconds,
    keyHeader: settings.keyHeader,
    assertionIssuer: settings.assertionIssuer,
    assertionAudience: settings.assertionAudience,
    keyCreationThrottle: { rateLimit: settings.keyCreationRateLimit, burstLimit: settings.keyCreationBurstLimit },
    accessTokenTtlSeconds: settings.accessTokenTtlSeconds,
    auth0WebhookToken: settings.auth0WebhookToken,
    consoleClientId: settings.consoleClientId,
    corsAllowOrigins: settings.corsAllowOrigins,
    githubSecretScanningKeysUrl: settings.githubSecretScanningKeysUrl,
    // Beside the table's data, where `npm run github-alert` finds it to sign as the development GitHub does.
    devGitHubKeyFile: join(dataDir, DEV_GITHUB_KEY_FILE),
    eventsFile: settings.eventsFile !== undefined ? resolve(cwd, settings.eventsFile) : undefined,
    expiryNoticeDays: settings.expiryNoticeDays,
  };
}

/**
 * DYNAMODB_ENDPOINT: on this machine, with DATA_DIR's credentials file when
 * there is one (the endpoint is taken to be `npm start`'s DynamoDB Local on
 * that folder); elsewhere, or without one, the shared credentials any
 * -sharedDb DynamoDB Local accepts, so the folder's key never leaves the machine.
 */
const isLoopback = (endpoint: string): boolean => {
  const host = new URL(endpoint).hostname;
  return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
};

export function dynamodbEndpointSetting(endpoint: string, dataDir: string): LocalSystemOptions['dynamodb'] {
  const credentials = isLoopback(endpoint) ? readCredentials(dataDir) : undefined;
  return credentials !== undefined ? { endpoint, credentials } : { endpoint };
}

/** The table an operator's tool (the Stormpath importer, `auth0-events`) writes to, from the same environment as `npm start`. */
export interface ToolTable {
  readonly tableName: string;
  /** Set: DynamoDB Local (`npm start`'s, with DATA_DIR's key when there is one). Unset: AWS, default credentials and region. */
  readonly dynamodb?: { readonly endpoint: string; readonly credentials?: DynamoDbCredentials | undefined };
}

/** Against AWS the table must be named: no local default guesses at a deployed table. `refuse` builds the tool's usage error. */
export function toolTableFromEnv(
  settings: Pick<SettingsFor<'local'>, 'tableName' | 'dynamodbEndpoint' | 'dataDir'>,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  refuse: (message: string) => Error,
): ToolTable {
  if (settings.dynamodbEndpoint === undefined && (env.TABLE_NAME ?? '').trim() === '') {
    throw refuse(
      'TABLE_NAME must be set: the deployed table (the stack output TableName), or set DYNAMODB_ENDPOINT for npm start’s DynamoDB Local',
    );
  }
  const dynamodb =
    settings.dynamodbEndpoint === undefined
      ? undefined
      : dynamodbEndpointSetting(settings.dynamodbEndpoint, resolve(cwd, settings.dataDir));
  return { tableName: settings.tableName, ...(dynamodb !== undefined && 'endpoint' in dynamodb ? { dynamodb } : {}) };
}
