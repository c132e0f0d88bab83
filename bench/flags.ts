import { parseArgs } from 'node:util';

export interface Flags {
  /** Exactly one JSON object on stdout instead of the table. */
  readonly json: boolean;
  /** A shortened smoke run; its figures are not comparable with a full run. */
  readonly quick: boolean;
  /** Write this run's JSON to BENCHMARKS.json, the figures the next run is compared with. */
  readonly save: boolean;
  readonly help: boolean;
  /** Run one figure alone (ONLY_FIGURES), compared with the same figure in BENCHMARKS.json; never saved. */
  readonly only: OnlyFigure | undefined;
}

/** The figures that can run alone, by the name --only takes. */
export const ONLY_FIGURES = ['cli-version'] as const;
export type OnlyFigure = (typeof ONLY_FIGURES)[number];

const OPTIONS = {
  json: { type: 'boolean' },
  quick: { type: 'boolean' },
  save: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  only: { type: 'string' },
} as const;

export const USAGE = [
  'npm run bench                 the table',
  'npm run -s bench -- --json    one JSON object with every figure (-s: npm would print its banner on stdout too)',
  'npm run bench -- --quick      a smoke run (shorter, 10k instead of 1M keys): figures not comparable, not compared',
  'npm run bench -- --save       also write the run (its --json object) to BENCHMARKS.json, what later runs are compared with',
  'npm run bench -- --only cli-version   figure 11 alone (apikey --version of the installed package), compared, not saved',
  'npm run bench -- --help       this text',
].join('\n');

/** A flag the benchmark does not know: the message is one line, naming it and the valid ones. */
export class FlagError extends Error {
  override readonly name = 'FlagError';
}

/** Parses the command line strictly: an unknown flag, a value given to a switch or a stray argument is an error, not ignored. */
export function parseFlags(args: readonly string[]): Flags {
  let flags: Flags;
  try {
    const { values } = parseArgs({ args: [...args], strict: true, allowPositionals: false, options: OPTIONS });
    flags = {
      json: values.json ?? false,
      quick: values.quick ?? false,
      save: values.save ?? false,
      help: values.help ?? false,
      only: values.only as OnlyFigure | undefined,
    };
  } catch (error) {
    if (!isParseArgsError(error)) throw error;
    // Node's message names the offending argument; its first sentence is enough.
    const what = error.message.split('. ')[0] ?? error.message;
    const valid = Object.keys(OPTIONS)
      .map((name) => `--${name}`)
      .join(', ');
    throw new FlagError(`${what}; valid flags: ${valid}`, { cause: error });
  }
  if (flags.only !== undefined && !(ONLY_FIGURES as readonly string[]).includes(flags.only)) {
    throw new FlagError(`--only takes ${ONLY_FIGURES.join(', ')}; got "${flags.only}"`);
  }
  // One figure is not a run later runs can be compared with.
  if (flags.save && flags.only !== undefined) throw new FlagError('--save cannot be combined with --only: one figure is not a whole run');
  // A smoke run's figures are not comparable, so one never becomes what later runs are compared with.
  if (flags.save && flags.quick) throw new FlagError('--save cannot be combined with --quick: a smoke run is not comparable');
  return flags;
}

function isParseArgsError(error: unknown): error is Error & { code: string } {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('ERR_PARSE_ARGS_');
}
