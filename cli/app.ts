import { Command, CommanderError, Option } from 'commander';
import { BRAND } from './brand';
import { registerAdminCommands } from './commands/admin';
import { registerAuthCommands } from './commands/auth';
import { registerChangeCommands } from './commands/changes';
import { registerEventCommands } from './commands/events';
import { examples } from './commands/examples';
import { registerKeyCommands } from './commands/keys';
import { createContext, type CliContext, type CliIo, type GlobalOptions } from './context';
import { CliError, EXIT, EXIT_CODES_HELP } from './errors';
import { KEYCHAIN_SWITCH } from './keychain';
import { jsonLine, printable } from './terminal-text';
import { VERSION } from './version';

export type { CliIo } from './context';

const PROGRAM_EXAMPLES = examples(
  'login                                    # once: approve the code in your browser',
  'create --name ci --scope read --expires 30d',
  'list',
  'rotate <id> --grace 1h',
  'revoke <id>',
  'list --json                              # every command takes --json',
);

/** Where the login is kept, and the settings' variables, for the end of --help. */
const FILES_HELP = [
  'Login:',
  '  its token in the OS keychain when there is one (macOS: security; Linux: secret-tool),',
  `  else in \${XDG_CONFIG_HOME:-~/.config}/${BRAND.command}/credentials.json (0600); ${KEYCHAIN_SWITCH}=off keeps it in the file.`,
  '  APIKEY_CONFIG_DIR moves that folder; APIKEY_TOKEN gives an access token directly.',
].join('\n');

/** The program and what its commands share, for one command line. */
export function createProgram(io: CliIo, json: boolean): { program: Command; context: CliContext } {
  const program = new Command(BRAND.command);
  const context = createContext(io, () => program.opts<GlobalOptions>(), json);
  program
    .description('Create, list, rotate, disable and revoke your API keys from a terminal.')
    .version(VERSION, '-V, --version', 'print the version')
    .addOption(new Option('--endpoint <url>', 'the API gateway URL [env APIKEY_ENDPOINT]'))
    .addOption(new Option('--auth-domain <domain>', 'your Auth0 domain [env APIKEY_AUTH_DOMAIN]'))
    .addOption(new Option('--client-id <id>', 'the CLI application client id in Auth0 [env APIKEY_CLIENT_ID]'))
    .addOption(new Option('--audience <audience>', 'the API audience in Auth0 [env APIKEY_AUDIENCE]'))
    .option('--json', 'machine-readable output')
    .addHelpText('after', `${PROGRAM_EXAMPLES}\n\n${FILES_HELP}\n\n${EXIT_CODES_HELP}`)
    .showHelpAfterError(`(run ${BRAND.command} --help for usage)`)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      // Under --json, stderr carries only the one-line JSON error written below.
      writeErr: (text) => {
        if (!context.json) io.stderr.write(text);
      },
      outputError: (text, write) => {
        // The message may quote the command line: printable, line by line.
        if (!context.json) write(context.errColors.red(text.split('\n').map(printable).join('\n')));
      },
    })
    .hook('preAction', () => {
      context.json = program.opts<GlobalOptions>().json === true;
    });

  registerAuthCommands(program, context);
  registerKeyCommands(program, context);
  registerChangeCommands(program, context);
  registerEventCommands(program, context);
  registerAdminCommands(program, context);
  return { program, context };
}

/** Runs one command line; resolves to the exit code. Never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const { program, context } = createProgram(io, argv.includes('--json'));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    return reportFailure(error, context);
  }
}

/** One line on stderr (JSON under --json) and the exit code for it: usage errors from commander, CliErrors as they say, the rest as faults. */
function reportFailure(error: unknown, context: CliContext): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return EXIT.ok;
    if (context.json) context.err(jsonLine({ error: { code: 'USAGE', message: printable(error.message.replace(/^error: /, '')) } }));
    return EXIT.usage;
  }
  const failure =
    error instanceof CliError ? error : new CliError(`Unexpected error: ${(error as Error).message}`, EXIT.server, 'UNEXPECTED');
  // Messages and codes carry what servers, the identity provider and stored files said: printable, even inside JSON.
  const code = printable(failure.code);
  const message = printable(failure.message);
  const retry = failure.retryAfterSeconds !== undefined ? { retryAfterSeconds: failure.retryAfterSeconds } : {};
  context.err(context.json ? jsonLine({ error: { code, message, ...retry } }) : context.errColors.red(`Error: ${message}`));
  return failure.exitCode;
}
