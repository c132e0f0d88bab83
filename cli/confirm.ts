import { createInterface } from 'node:readline';
import type { CliIo } from './context';

/** Whether a question can be put to a person: stdin is a terminal. */
export const canAsk = (io: CliIo): boolean => io.stdin?.isTTY === true;

/** Asks `question` on stderr and reads one line from stdin: true for "y" or "yes" (any case), false for anything else or no line. */
export async function confirm(io: CliIo, question: string): Promise<boolean> {
  const input = io.stdin;
  if (input === undefined) return false;
  io.stderr.write(question);
  const lines = createInterface({ input, terminal: false, crlfDelay: Infinity });
  const answer = await new Promise<string | undefined>((resolve) => {
    lines.once('line', resolve);
    lines.once('close', () => {
      resolve(undefined);
    });
  });
  lines.close();
  return answer !== undefined && /^\s*y(es)?\s*$/i.test(answer);
}
