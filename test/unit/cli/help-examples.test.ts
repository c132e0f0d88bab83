import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createProgram } from '../../../cli/app';
import { run } from './cli-support';

/** Every command and subcommand, by its full name ("admin list"). */
function allCommands(command: Command, prefix: string[] = []): { name: string[]; command: Command }[] {
  return command.commands.flatMap((sub) => {
    const name = [...prefix, sub.name()];
    return [{ name, command: sub }, ...allCommands(sub, name)];
  });
}

describe('--help', () => {
  const { program } = createProgram({ stdout: { write: () => true }, stderr: { write: () => true }, env: {} }, false);
  const commands = allCommands(program);

  it('knows every command', () => {
    expect(commands.map((c) => c.name.join(' '))).toEqual(
      expect.arrayContaining(['login', 'logout', 'whoami', 'create', 'list', 'show', 'revoke', 'rotate', 'events', 'admin list']),
    );
  });

  it.each(['', ...commands.map((c) => c.name.join(' '))])('of "apikey %s" lists examples of that very command', async (name) => {
    const words = name === '' ? [] : name.split(' ');
    const help = await run([...words, '--help']);
    expect(help.code).toBe(0);
    const examples = help.stdout.split('\nExamples:\n')[1];
    expect(examples).toBeDefined();
    const lines = examples!.split('\n').filter((line) => line.startsWith('  $ '));
    expect(lines.length).toBeGreaterThan(0);
    // Each example runs the command being described (a shell assignment around it is fine).
    expect(lines.some((line) => line.startsWith(['  $ apikey', ...words].join(' ')))).toBe(true);
  });

  it('prints the version with --version', async () => {
    const version = await run(['--version']);
    expect(version.code).toBe(0);
    const { version: projectVersion } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(version.stdout).toBe(`${projectVersion}\n`);
  });
});
