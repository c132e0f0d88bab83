import { Command, CommanderError, Option } from 'commander';
import { registerAdminCommands } from './commands/admin';
import { registerAuthCommands } from './commands/auth';
import { registerChangeCommands } from './commands/changes';
import { registerEventCommands } from './commands/events';
import { registerKeyCommands } from './commands/keys';
import { createContext, type CliContext, type CliIo, type GlobalOptions } from './context';
import { CliError, EXIT, EXIT_CODES_HELP } from './errors';
import { jsonLine, printable } from './terminal-text';

export type { CliIo } from './context';

/** Runs one `apikey` command line; resolves to the exit code. Never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = new Command('apikey');
  const context = createContext(io, () => program.opts<GlobalOptions>(), argv.includes('--json'));
  program
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
