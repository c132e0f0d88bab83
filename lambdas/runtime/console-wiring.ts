import { join } from 'node:path';
import { readConsoleAssets } from '../console/console-assets';
import type { ConsoleLogin, ConsoleSettings } from '../console/console-config';
import { allowedKeyScopes } from '../domain/route-scopes';
import type { ConsoleDependencies } from '../handlers/console';
import { environmentReader, loadSettings } from '../settings/load';
import type { SettingsFor } from '../settings/schema';
import { auth0Host } from '../settings/kinds';

/** The folder beside the deployed bundle where its build hook left the console's files (lib/key-api.ts). */
export const CONSOLE_ASSETS_FOLDER = 'console';

/**
 * What the console tells the page: the Auth0 application it logs in to
 * (none until CONSOLE_CLIENT_ID is set) and the key rules to offer.
 */
export function consoleSettingsFrom(settings: SettingsFor<'console'>): ConsoleSettings {
  const { auth0Domain, auth0Audience, consoleClientId } = settings;
  const login: ConsoleLogin | undefined =
    consoleClientId !== undefined
      ? { domain: `https://${auth0Host(auth0Domain)}`, clientId: consoleClientId, audience: auth0Audience }
      : undefined;
  return {
    login,
    policy: {
      allowedScopes: allowedKeyScopes(settings.routeScopes, settings.allowedKeyScopes),
      maxLifetimeDays: settings.maxKeyLifetimeDays,
      defaultLifetimeDays: settings.defaultKeyLifetimeDays,
    },
  };
}

/** The deployed console function: settings from its environment, files from its bundle (Lambda's LAMBDA_TASK_ROOT), read once. */
export function lambdaConsoleDependencies(env: NodeJS.ProcessEnv = process.env): ConsoleDependencies {
  const settings = consoleSettingsFrom(loadSettings('console', environmentReader(env)));
  const assets = readConsoleAssets(join(env.LAMBDA_TASK_ROOT ?? process.cwd(), CONSOLE_ASSETS_FOLDER));
  return { settings, assets: () => Promise.resolve(assets) };
}
