import type { Command } from 'commander';
import { currentLogin } from '../access-token';
import type { CliContext } from '../context';
import { describeStorage, peekToken } from '../credentials';
import { deviceLogin } from '../device-login';
import { relativeTime } from '../output';
import { terminalSafe } from '../terminal-text';
import { examples } from './examples';

/** `login`, `logout`, `whoami`: the user's stored login. */
export function registerAuthCommands(program: Command, context: CliContext): void {
  const { io, now, err, errColors, emit } = context;

  program
    .command('login')
    .description('log in with your browser (OAuth device flow) and keep the login for later commands')
    .option('--scope <scope>', 'extra scope to request, e.g. keys:manage')
    .addHelpText(
      'after',
      examples('login', 'login --scope keys:manage', 'login --json                 # {"sub":...,"expiresAt":...,"storage":...}'),
    )
    .action(async (options: { scope?: string }) => {
      const current = context.settings();
      const result = await deviceLogin({
        authUrl: current.authUrl,
        clientId: current.clientId,
        audience: current.audience,
        scope: options.scope,
        fetch: io.fetch,
        sleep: io.sleep,
        onPrompt: (answer) => {
          const prompt = terminalSafe(answer); // the identity provider's words
          err(`To log in, open ${prompt.verificationUriComplete ?? prompt.verificationUri}`);
          err(`and confirm the code ${errColors.bold(prompt.userCode)} (valid ${Math.round(prompt.expiresInSeconds / 60)} minutes).`);
          err('Waiting for approval...');
        },
      });
      const claims = peekToken(result.accessToken);
      const expiresAt = now().getTime() + result.expiresInSeconds * 1000;
      const sub = claims.sub ?? 'unknown';
      const storage = context.loginStore(current).save({
        accessToken: result.accessToken,
        expiresAt,
        endpoint: current.endpoint, // the login goes to this endpoint only
        authUrl: current.authUrl,
        audience: current.audience,
        sub,
      });
      if (!context.json) err(errColors.dim(`Login kept in ${describeStorage(storage)}.`));
      emit({ sub, expiresAt: new Date(expiresAt).toISOString(), storage }, (shown) => `Logged in as ${shown.sub}.`);
    });

  program
    .command('logout')
    .description('forget the stored login (in the OS keychain and the file)')
    .addHelpText('after', examples('logout'))
    .action(() => {
      const removed = context.loginStore(context.settings()).remove();
      emit({ loggedOut: removed }, () => (removed ? 'Logged out.' : 'Not logged in.'));
    });

  program
    .command('whoami')
    .description('who the stored login (or APIKEY_TOKEN) is, until when, and where it is kept')
    .addHelpText('after', examples('whoami', 'whoami --json'))
    .action(() => {
      const current = context.settings();
      if (current.token !== undefined) {
        const claims = peekToken(current.token);
        const expiresAt = claims.exp !== undefined ? new Date(claims.exp * 1000).toISOString() : undefined;
        emit(
          { sub: claims.sub ?? null, expiresAt: expiresAt ?? null, source: 'APIKEY_TOKEN' },
          (shown) => `${shown.sub ?? 'unknown'} (from APIKEY_TOKEN${expiresAt ? `, expires ${relativeTime(expiresAt, now())}` : ''})`,
        );
        return;
      }
      const login = currentLogin(current, now, context.loginStore(current)); // refuses a missing, foreign or expired login
      const expiresAt = new Date(login.expiresAt).toISOString();
      const { storage } = login;
      emit(
        { sub: login.sub, expiresAt, endpoint: login.endpoint, authUrl: login.authUrl, audience: login.audience, source: 'login', storage },
        (shown) =>
          `${shown.sub} (logged in to ${shown.authUrl}, expires ${relativeTime(expiresAt, now())}; kept in ${describeStorage(storage)})`,
      );
    });
}
