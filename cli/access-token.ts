import { BRAND } from './brand';
import { LoginStore, type LoadedLogin } from './credentials';
import { CliError, EXIT } from './errors';
import { relativeTime } from './output';
import type { CliSettings } from './settings';

/**
 * The stored login, if it was made for this endpoint, identity provider and audience and has
 * not expired; otherwise why not, as a CliError (exit 2), before any request is made. A login
 * is never sent to an endpoint other than its own, so an endpoint setting changed (or planted)
 * later cannot collect it.
 */
export function currentLogin(
  settings: CliSettings,
  now: () => Date,
  store = new LoginStore(settings.configDir),
): LoadedLogin & { endpoint: string } {
  const login = store.load();
  if (login === undefined) throw new CliError(`Not logged in: run ${BRAND.command} login`, EXIT.auth, 'NOT_LOGGED_IN');
  const { endpoint } = login;
  if (endpoint === undefined) {
    throw new CliError(
      `Your stored login was made by an older ${BRAND.command} and does not say which endpoint it is for: run ${BRAND.command} login`,
      EXIT.auth,
      'LOGIN_NOT_BOUND',
    );
  }
  if (login.authUrl !== settings.authUrl || login.audience !== settings.audience) {
    throw new CliError(
      `You are logged in to ${login.authUrl} (${login.audience}), not ${settings.authUrl} (${settings.audience}): run ${BRAND.command} login`,
      EXIT.auth,
      'OTHER_LOGIN',
    );
  }
  if (endpoint !== settings.endpoint) {
    throw new CliError(`Your login is for ${endpoint}, not ${settings.endpoint}: run ${BRAND.command} login`, EXIT.auth, 'OTHER_LOGIN');
  }
  if (login.expiresAt <= now().getTime()) {
    throw new CliError(
      `Your login expired ${relativeTime(new Date(login.expiresAt).toISOString(), now())}: run ${BRAND.command} login`,
      EXIT.auth,
      'LOGIN_EXPIRED',
    );
  }
  return { ...login, endpoint };
}

/** The access token for API calls: APIKEY_TOKEN, or a stored, unexpired login for this endpoint and identity provider. */
export function accessTokenFor(settings: CliSettings, now: () => Date, store?: LoginStore): string {
  return settings.token ?? currentLogin(settings, now, store).accessToken;
}
