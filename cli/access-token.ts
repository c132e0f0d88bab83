import { loadLogin, type StoredLogin } from './credentials';
import { CliError, EXIT } from './errors';
import { relativeTime } from './output';
import type { CliSettings } from './settings';

/** The stored login, if it is for this identity provider and audience and has not expired; otherwise why not, as a CliError. */
export function currentLogin(settings: CliSettings, now: () => Date): StoredLogin {
  const login = loadLogin(settings.configDir);
  if (login === undefined) throw new CliError('Not logged in: run apikey login', EXIT.auth, 'NOT_LOGGED_IN');
  if (login.authUrl !== settings.authUrl || login.audience !== settings.audience) {
    throw new CliError(
      `You are logged in to ${login.authUrl} (${login.audience}), not ${settings.authUrl} (${settings.audience}): run apikey login`,
      EXIT.auth,
      'OTHER_LOGIN',
    );
  }
  if (login.expiresAt <= now().getTime()) {
    throw new CliError(
      `Your login expired ${relativeTime(new Date(login.expiresAt).toISOString(), now())}: run apikey login`,
      EXIT.auth,
      'LOGIN_EXPIRED',
    );
  }
  return login;
}

/** The access token for API calls: APIKEY_TOKEN, or a stored, unexpired login for this identity provider. */
export function accessTokenFor(settings: CliSettings, now: () => Date): string {
  return settings.token ?? currentLogin(settings, now).accessToken;
}
