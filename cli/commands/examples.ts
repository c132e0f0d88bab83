import { BRAND } from '../brand';

/**
 * A command's examples, for the end of its --help: each line as typed, after the command's
 * name (a branded build's own), with an optional `# comment`.
 */
export function examples(...lines: string[]): string {
  return ['', 'Examples:', ...lines.map((line) => `  $ ${BRAND.command} ${line}`)].join('\n');
}
