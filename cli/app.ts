import { Command, CommanderError, Option } from 'commander';
import { KEY_STATUSES, type KeyStatus } from '../lambdas/domain/api-key';
import { KeysApi } from './api-client';
import { loadLogin, peekToken, removeLogin, saveLogin } from './credentials';
import { deviceLogin } from './device-login';
import { CliError, EXIT, EXIT_CODES_HELP } from './errors';
import { parseExpires, parseGracePeriod } from './expiry';
import { colorsFor, createdKeyDetails, eventTable, keyDetails, keyTable, relativeTime, replacedKeyNote, rotatedKeyDetails } from './output';
import { resolveSettings, type CliSettings, type SettingFlags } from './settings';

/** Everything the CLI touches outside itself, so tests can run it in-process. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now?: () => Date;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
}

interface GlobalOptions extends SettingFlags {
  readonly json?: boolean;
}

/** A repeatable option's values, in order. */
const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `list --status`: repeatable, each a comma-separated list of key states; duplicates dropped. */
export function parseStatuses(values: readonly string[]): KeyStatus[] {
  const statuses = values.flatMap((value) => value.split(',')).map((status) => status.trim().toLowerCase());
  const unknown = statuses.filter((status) => !KEY_STATUSES.includes(status as KeyStatus));
  if (unknown.length > 0) {
    throw new CliError(
      `--status takes ${KEY_STATUSES.join(', ')} (repeat it or separate them with commas); got "${unknown.join(',')}"`,
      EXIT.usage,
      'BAD_STATUS',
    );
  }
  return [...new Set(statuses as KeyStatus[])];
}

/** Runs one `apikey` command line; resolves to the exit code. Never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const now = io.now ?? (() => new Date());
  const out = (text: string) => io.stdout.write(`${text}\n`);
  const err = (text: string) => io.stderr.write(`${text}\n`);
  const colors = colorsFor(io.stdout, io.env);
  const errColors = colorsFor(io.stderr, io.env);
  let json = false;

  const program = new Command('apikey')
    .description('Create, list, rotate, disable and revoke your API keys from a terminal.')
    .addOption(new Option('--endpoint <url>', 'the API gateway URL [env APIKEY_ENDPOINT]'))
    .addOption(new Option('--auth-domain <domain>', 'your Auth0 domain [env APIKEY_AUTH_DOMAIN]'))
    .addOption(new Option('--client-id <id>', 'the CLI application client id in Auth0 [env APIKEY_CLIENT_ID]'))
    .addOption(new Option('--audience <audience>', 'the API audience in Auth0 [env APIKEY_AUDIENCE]'))
    .option('--json', 'machine-readable output')
    .addHelpText('after', `\n${EXIT_CODES_HELP}`)
    .showHelpAfterError('(run apikey --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => (json ? undefined : io.stderr.write(text)),
      outputError: (text, write) => (json ? undefined : write(errColors.red(text))),
    });

  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  const settings = (): CliSettings => resolveSettings(globals(), io.env);

  /** The access token for API calls: APIKEY_TOKEN, or a stored, unexpired login for this identity provider. */
  const accessToken = (current: CliSettings): string => {
    if (current.token !== undefined) return current.token;
    const login = loadLogin(current.configDir);
    if (login === undefined) throw new CliError('Not logged in: run apikey login', EXIT.auth, 'NOT_LOGGED_IN');
    if (login.authUrl !== current.authUrl || login.audience !== current.audience) {
      throw new CliError(
        `You are logged in to ${login.authUrl} (${login.audience}), not ${current.authUrl} (${current.audience}): run apikey login`,
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
    return login.accessToken;
  };
  const api = () => {
    const current = settings();
    return new KeysApi(current.endpoint, accessToken(current), io.fetch);
  };
  const emit = (value: unknown, human: () => string) => out(json ? JSON.stringify(value) : human());

  program
    .command('login')
    .description('log in with your browser (OAuth device flow) and keep the login for later commands')
    .option('--scope <scope>', 'extra scope to request, e.g. keys:manage')
    .action(async (options: { scope?: string }) => {
      const current = settings();
      const result = await deviceLogin({
        authUrl: current.authUrl,
        clientId: current.clientId,
        audience: current.audience,
        ...(options.scope ? { scope: options.scope } : {}),
        ...(io.fetch ? { fetch: io.fetch } : {}),
        ...(io.sleep ? { sleep: io.sleep } : {}),
        onPrompt: (prompt) => {
          err(`To log in, open ${prompt.verificationUriComplete ?? prompt.verificationUri}`);
          err(`and confirm the code ${errColors.bold(prompt.userCode)} (valid ${Math.round(prompt.expiresInSeconds / 60)} minutes).`);
          err('Waiting for approval...');
        },
      });
      const claims = peekToken(result.accessToken);
      const expiresAt = now().getTime() + result.expiresInSeconds * 1000;
      const sub = claims.sub ?? 'unknown';
      saveLogin(current.configDir, {
        accessToken: result.accessToken,
        expiresAt,
        authUrl: current.authUrl,
        audience: current.audience,
        sub,
      });
      emit({ sub, expiresAt: new Date(expiresAt).toISOString() }, () => `Logged in as ${sub}.`);
    });

  program
    .command('logout')
    .description('forget the stored login')
    .action(() => {
      const removed = removeLogin(settings().configDir);
      emit({ loggedOut: removed }, () => (removed ? 'Logged out.' : 'Not logged in.'));
    });

  program
    .command('whoami')
    .description('who the stored login (or APIKEY_TOKEN) is, and until when')
    .action(() => {
      const current = settings();
      if (current.token !== undefined) {
        const claims = peekToken(current.token);
        const expiresAt = claims.exp !== undefined ? new Date(claims.exp * 1000).toISOString() : undefined;
        emit(
          { sub: claims.sub ?? null, expiresAt: expiresAt ?? null, source: 'APIKEY_TOKEN' },
          () => `${claims.sub ?? 'unknown'} (from APIKEY_TOKEN${expiresAt ? `, expires ${relativeTime(expiresAt, now())}` : ''})`,
        );
        return;
      }
      accessToken(current); // refuses a missing, foreign or expired login
      const login = loadLogin(current.configDir)!;
      const expiresAt = new Date(login.expiresAt).toISOString();
      emit(
        { sub: login.sub, expiresAt, authUrl: login.authUrl, audience: login.audience, source: 'login' },
        () => `${login.sub} (logged in to ${login.authUrl}, expires ${relativeTime(expiresAt, now())})`,
      );
    });

  program
    .command('create')
    .description('create a key; it is shown once (alone on stdout when piped)')
    .requiredOption('--name <name>', 'a name to recognise the key by')
    .option('--scope <scope>', 'a scope for the key (repeatable)', collect)
    .option('--expires <when>', 'a duration (30d, 12h, 2w) or a date (2027-01-31); default: the server’s')
    .action(async (options: { name: string; scope?: string[]; expires?: string }) => {
      const body = {
        name: options.name,
        ...(options.scope ? { scopes: options.scope } : {}),
        ...(options.expires ? { expiresAt: parseExpires(options.expires, now()) } : {}),
      };
      const created = await api().create(body);
      if (json) {
        out(JSON.stringify(created));
      } else if (io.stdout.isTTY) {
        out(createdKeyDetails(created, now(), colors));
      } else {
        // Piped: the key alone on stdout, so KEY=$(apikey create --name ci) works.
        err(`Created key ${created.id} (${created.name}), expires ${created.expiresAt}. The key is shown once.`);
        out(created.key);
      }
    });

  program
    .command('list')
    .description('your keys, newest first')
    .option('--status <status>', `only keys in this state: ${KEY_STATUSES.join(', ')} (repeatable, or comma-separated)`, collect)
    .action(async (options: { status?: string[] }) => {
      const statuses = options.status !== undefined ? parseStatuses(options.status) : undefined;
      const keys = await api().list(statuses);
      emit({ keys }, () => keyTable(keys, now(), colors, statuses));
    });

  program
    .command('show')
    .description('one key')
    .argument('<id>', 'the key id')
    .action(async (id: string) => {
      const key = await api().show(id);
      emit(key, () => keyDetails(key, now(), colors));
    });

  program
    .command('revoke')
    .description('revoke a key: it stops working within the gateway’s cache TTL')
    .argument('<id>', 'the key id')
    .action(async (id: string) => {
      await api().revoke(id);
      emit({ revoked: id }, () => `Revoked ${id}.`);
    });

  program
    .command('rotate')
    .description('replace a key with a new one (same name, scopes and expiry), shown once; the old key keeps working for a grace period')
    .argument('<id>', 'the key id')
    .option('--grace <duration>', 'how long the old key keeps working: 0, 90s, 30m, 1h, 7d (at most 7d); default: the server’s (1h)')
    .action(async (id: string, options: { grace?: string }) => {
      const grace = options.grace !== undefined ? parseGracePeriod(options.grace) : undefined;
      const rotated = await api().rotate(id, grace);
      if (json) {
        out(JSON.stringify(rotated));
      } else if (io.stdout.isTTY) {
        out(rotatedKeyDetails(rotated, now(), colors));
      } else {
        // Piped: the new key alone on stdout, as with create.
        err(
          `Rotated key ${rotated.rotatedFrom} to ${rotated.id} (${rotated.name}), expires ${rotated.expiresAt}. ${replacedKeyNote(rotated, now())} The new key is shown once.`,
        );
        out(rotated.key);
      }
    });

  /** PATCH the key, then show its new state. */
  const update = async (id: string, change: { name?: string; enabled?: boolean }) => {
    const key = await api().update(id, change);
    emit(key, () => keyDetails(key, now(), colors));
  };

  program
    .command('disable')
    .description('pause a key: it is refused (within the gateway’s cache TTL) until enabled again')
    .argument('<id>', 'the key id')
    .action((id: string) => update(id, { enabled: false }));

  program
    .command('enable')
    .description('let a disabled key work again')
    .argument('<id>', 'the key id')
    .action((id: string) => update(id, { enabled: true }));

  program
    .command('rename')
    .description('give a key a new name')
    .argument('<id>', 'the key id')
    .argument('<name>', 'the new name')
    .action((id: string, name: string) => update(id, { name }));

  program
    .command('events')
    .description('a key’s history, newest first: who created, rotated, renamed, disabled, enabled or revoked it, from where')
    .argument('<id>', 'the key id')
    .action(async (id: string) => {
      const events = await api().events(id);
      emit({ events }, () => eventTable(events, now(), colors));
    });

  try {
    program.hook('preAction', () => {
      json = globals().json === true;
    });
    json = argv.includes('--json');
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return EXIT.ok;
      if (json) err(JSON.stringify({ error: { code: 'USAGE', message: error.message.replace(/^error: /, '') } }));
      return EXIT.usage;
    }
    const failure =
      error instanceof CliError ? error : new CliError(`Unexpected error: ${(error as Error).message}`, EXIT.server, 'UNEXPECTED');
    err(json ? JSON.stringify({ error: { code: failure.code, message: failure.message } }) : errColors.red(`Error: ${failure.message}`));
    return failure.exitCode;
  }
}
