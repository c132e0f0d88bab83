import * as kind from '../kinds';
import { setting } from '../spec';

/** The key owners' console at `GET /console` (lambdas/console/, console/). */
export const CONSOLE_SETTINGS = {
  consoleClientId: setting({
    env: 'CONSOLE_CLIENT_ID',
    // Auth0 client ids are 32 letters and digits; the development IdP's is a readable name.
    kind: kind.text(/^[A-Za-z0-9_-]{1,64}$/, 'an Auth0 application client id'),
    usedBy: ['stack', 'console', 'local'],
    optional: true,
    shownDefault:
      "unset: the console page says it is not configured yet; under `npm start`, the development identity provider's `user-api-keys-console`",
    meaning:
      'the client id of the Auth0 Single Page Application key owners log in to the console with (its callback, logout URL and web origin: the `ConsoleAuth0Settings` output); the drop-in `<user-api-keys>` component does not need it',
  }),
} as const;
