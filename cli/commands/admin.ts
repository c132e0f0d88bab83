import type { Command } from 'commander';
import { BRAND } from '../brand';
import { canAsk, confirm } from '../confirm';
import type { CliContext } from '../context';
import { CliError, EXIT } from '../errors';
import { auth0StatusLine, keyTable } from '../output';
import { printable } from '../terminal-text';
import { examples } from './examples';
import { collect, parseStatuses } from './keys';
import { KEY_STATUSES } from '../../lambdas/domain/api-key';

const ADMIN_HELP = `
These need an access token with the server's ADMIN_SCOPE permission (support staff);
they use the same login (or APIKEY_TOKEN) as the other commands. SUB is the user's
Auth0 id, e.g. auth0|64b1c2d3e4f5a6b7c8d9e0f1: quote it, since the shell reads | as a pipe.
${examples(
  "admin list 'auth0|abc'",
  "admin list 'auth0|abc' --status active,disabled --json",
  "admin revoke-all 'auth0|abc'          # asks first",
  "admin revoke-all 'auth0|abc' --yes    # no question (scripts)",
)}`;

/** A user id for a path: anything the identity provider makes, but not nothing. */
function subjectOf(sub: string): string {
  if (sub.trim() === '') throw new CliError('SUB must be a user id, such as auth0|abc', EXIT.usage, 'BAD_SUB');
  return sub;
}

/** `admin list`, `admin revoke-all`: support staff acting on another user's keys. */
export function registerAdminCommands(program: Command, context: CliContext): void {
  const { io, now, colors, emit } = context;

  const admin = program
    .command('admin')
    .description('support staff: list or revoke every key of a user (needs the ADMIN_SCOPE permission)')
    .addHelpText('after', ADMIN_HELP);

  admin
    .command('list')
    .description(`a user’s keys, newest first, every page (as ${BRAND.command} list shows yours)`)
    .argument('<sub>', 'the user’s id, e.g. auth0|abc')
    .option('--status <status>', `only keys in this state: ${KEY_STATUSES.join(', ')} (repeatable, or comma-separated)`, collect)
    .addHelpText('after', examples("admin list 'auth0|abc'", "admin list 'auth0|abc' --status active --json"))
    .action(async (sub: string, options: { status?: string[] }) => {
      const user = subjectOf(sub);
      const statuses = options.status !== undefined ? parseStatuses(options.status) : undefined;
      const listed = await context.api().adminList(user, statuses);
      emit(listed, (shown) => {
        const table = keyTable(shown.keys, now(), colors, statuses, printable(user));
        const status = auth0StatusLine(printable(user), shown.auth0, now());
        return status === undefined ? table : `${status}\n${table}`;
      });
    });

  admin
    .command('revoke-all')
    .description('revoke every key of a user: they stop working within the gateway’s cache TTL; asks first unless --yes')
    .argument('<sub>', 'the user’s id, e.g. auth0|abc')
    .option('--yes', 'do not ask (needed when stdin is not a terminal, and with --json)')
    .addHelpText('after', examples("admin revoke-all 'auth0|abc'", "admin revoke-all 'auth0|abc' --yes --json"))
    .action(async (sub: string, options: { yes?: boolean }) => {
      const user = subjectOf(sub);
      const api = context.api(); // not logged in: said before anything is asked
      if (options.yes !== true) {
        // Under --json stderr carries only the JSON error line, so no question is put there.
        if (context.json || !canAsk(io)) {
          const why = context.json ? 'with --json' : 'stdin is not a terminal';
          throw new CliError(
            `Revoking every key of ${user} needs a confirmation, and none can be asked (${why}): add --yes`,
            EXIT.usage,
            'CONFIRMATION_REQUIRED',
          );
        }
        const question = `Revoke every key of ${printable(user)}? They stop working within the gateway’s cache TTL, for good. [y/N] `;
        if (!(await confirm(io, question))) throw new CliError('Not confirmed: nothing revoked', EXIT.usage, 'NOT_CONFIRMED');
      }
      const { revoked } = await api.adminRevokeAll(user);
      emit({ sub: user, revoked }, (shown) => `Revoked ${shown.revoked} key${shown.revoked === 1 ? '' : 's'} of ${shown.sub}.`);
    });
}
