import type { Command } from 'commander';
import { KEY_STATUSES, type KeyStatus } from '../../lambdas/domain/api-key';
import { BRAND } from '../brand';
import type { CliContext } from '../context';
import { CliError, EXIT } from '../errors';
import { parseExpires } from '../expiry';
import { createdKeyDetails, keyDetails, keyTable } from '../output';
import { jsonLine, terminalSafe } from '../terminal-text';
import { examples } from './examples';

/** In create's and rotate's help: how a lost answer is retried without making a second key. */
export const RETRIED_HELP = [
  'A lost answer (no answer, or 502/503/504) is retried up to twice with the same',
  'Idempotency-Key, so it never makes a second key. A 429 is not retried: it says when to try again.',
].join('\n');

/** A repeatable option's values, in order. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

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

/** `create`, `list`, `show`, `revoke`: a key's life from first to last. */
export function registerKeyCommands(program: Command, context: CliContext): void {
  const { io, now, out, err, colors, emit } = context;

  program
    .command('create')
    .description('create a key; it is shown once (alone on stdout when piped)')
    .requiredOption('--name <name>', 'a name to recognise the key by')
    .option('--scope <scope>', 'a scope for the key (repeatable)', collect)
    .option('--expires <when>', 'a duration (30d, 12h, 2w) or a date (2027-01-31); default: the server’s')
    .addHelpText(
      'after',
      `\n${RETRIED_HELP}\n${examples(
        'create --name ci --scope read --expires 30d',
        'create --name nightly --expires 2027-01-31',
        'create --name ci --json                 # the key in the JSON',
      )}\n  $ KEY=$(${BRAND.command} create --name ci)        # piped: the key alone on stdout`,
    )
    .action(async (options: { name: string; scope?: string[]; expires?: string }) => {
      // A JSON body: an absent field means "the server's default", so it is left out, not sent as undefined.
      const body = {
        name: options.name,
        ...(options.scope ? { scopes: options.scope } : {}),
        ...(options.expires ? { expiresAt: parseExpires(options.expires, now()) } : {}),
      };
      const answer = await context.api().create(body);
      const created = terminalSafe(answer);
      if (context.json) {
        out(jsonLine(answer));
      } else if (io.stdout.isTTY) {
        out(createdKeyDetails(created, now(), colors));
      } else {
        // Piped: the key alone on stdout, so KEY=$(<command> create --name ci) works.
        err(`Created key ${created.id} (${created.name}), expires ${created.expiresAt}. The key is shown once.`);
        out(created.key);
      }
    });

  program
    .command('list')
    .description('your keys, newest first')
    .option('--status <status>', `only keys in this state: ${KEY_STATUSES.join(', ')} (repeatable, or comma-separated)`, collect)
    .addHelpText('after', examples('list', 'list --status active,disabled', 'list --status revoked --json'))
    .action(async (options: { status?: string[] }) => {
      const statuses = options.status !== undefined ? parseStatuses(options.status) : undefined;
      const keys = await context.api().list(statuses);
      emit({ keys }, (shown) => keyTable(shown.keys, now(), colors, statuses));
    });

  program
    .command('show')
    .description('one key')
    .argument('<id>', 'the key id')
    .addHelpText('after', examples('show <id>', 'show <id> --json'))
    .action(async (id: string) => {
      const key = await context.api().show(id);
      emit(key, (shown) => keyDetails(shown, now(), colors));
    });

  program
    .command('revoke')
    .description('revoke a key: it stops working within the gateway’s cache TTL')
    .argument('<id>', 'the key id')
    .addHelpText('after', examples('revoke <id>', 'revoke <id> --json'))
    .action(async (id: string) => {
      await context.api().revoke(id);
      emit({ revoked: id }, (shown) => `Revoked ${shown.revoked}.`);
    });
}
