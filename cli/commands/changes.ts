import type { Command } from 'commander';
import type { CliContext } from '../context';
import { parseGracePeriod } from '../expiry';
import { keyDetails, replacedKeyNote, rotatedKeyDetails } from '../output';
import { jsonLine, terminalSafe } from '../terminal-text';
import { examples } from './examples';
import { RETRIED_HELP } from './keys';

/** `rotate`, `disable`, `enable`, `rename`: changes to a key that keep its history. */
export function registerChangeCommands(program: Command, context: CliContext): void {
  const { io, now, out, err, colors, emit } = context;

  program
    .command('rotate')
    .description('replace a key with a new one (same name, scopes and expiry), shown once; the old key keeps working for a grace period')
    .argument('<id>', 'the key id')
    .option('--grace <duration>', 'how long the old key keeps working: 0, 90s, 30m, 1h, 7d (at most 7d); default: the server’s (1h)')
    .addHelpText(
      'after',
      `\n${RETRIED_HELP}\n${examples('rotate <id>                     # the old key works for 1 more hour', 'rotate <id> --grace 0           # the old key stops at once', 'rotate <id> --grace 7d --json')}`,
    )
    .action(async (id: string, options: { grace?: string }) => {
      const grace = options.grace !== undefined ? parseGracePeriod(options.grace) : undefined;
      const answer = await context.api().rotate(id, grace);
      const rotated = terminalSafe(answer);
      if (context.json) {
        out(jsonLine(answer));
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
    const key = await context.api().update(id, change);
    emit(key, (shown) => keyDetails(shown, now(), colors));
  };

  program
    .command('disable')
    .description('pause a key: it is refused (within the gateway’s cache TTL) until enabled again')
    .argument('<id>', 'the key id')
    .addHelpText('after', examples('disable <id>', 'disable <id> --json'))
    .action((id: string) => update(id, { enabled: false }));

  program
    .command('enable')
    .description('let a disabled key work again')
    .argument('<id>', 'the key id')
    .addHelpText('after', examples('enable <id>', 'enable <id> --json'))
    .action((id: string) => update(id, { enabled: true }));

  program
    .command('rename')
    .description('give a key a new name')
    .argument('<id>', 'the key id')
    .argument('<name>', 'the new name')
    .addHelpText('after', examples('rename <id> "ci (old)"', 'rename <id> nightly --json'))
    .action((id: string, name: string) => update(id, { name }));
}
