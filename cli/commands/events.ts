import type { Command } from 'commander';
import type { CliContext } from '../context';
import { eventTable } from '../output';
import { examples } from './examples';

/** `events`: a key's audit trail. */
export function registerEventCommands(program: Command, context: CliContext): void {
  program
    .command('events')
    .description('a key’s history, newest first: who created, rotated, renamed, disabled, enabled or revoked it, from where')
    .argument('<id>', 'the key id')
    .addHelpText('after', examples('events <id>', 'events <id> --json'))
    .action(async (id: string) => {
      const events = await context.api().events(id);
      context.emit({ events }, (shown) => eventTable(shown.events, context.now(), context.colors));
    });
}
