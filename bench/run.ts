/**
 * `npm run bench`: how fast the API-key authorizer is, what it costs, and how
 * it compares with checking an Auth0 JWT. A benchmark, not a test: it prints
 * a table (or, with --json, exactly one JSON object on stdout) and exits 0
 * whether or not the targets are met; it exits 1 only when it could not
 * measure (or was given a flag it does not know). Self-contained: it starts
 * its own in-memory DynamoDB Local on a free port and stops everything it
 * started, even on error or Ctrl-C.
 *
 *   npm run bench                 the table
 *   npm run -s bench -- --json    one JSON object with every figure (-s: npm's own banner would go to stdout too)
 *   npm run bench -- --quick      a smoke run (shorter, 10k instead of 1M keys): figures not comparable, not compared
 *   npm run bench -- --save       also write the run to BENCHMARKS.json, what later runs are compared with
 *   npm run bench -- --only cli-version   one figure alone (here 11), compared with BENCHMARKS.json, never saved
 *
 * This file is the entry: flags, output, cleanup and exit codes. The figures
 * are in bench/figures/, run in order by bench/benchmark.ts. See BENCHMARKS.md
 * for the method and the latest results.
 */
import { loadavg } from 'node:os';
import { compareWithBaseline, saveBaseline } from './baseline';
import { runBenchmark } from './benchmark';
import { FlagError, parseFlags, USAGE, type Flags } from './flags';
import { describeRun, finishRun } from './meta';
import { divertStdoutToStderr, progressSince, type Progress } from './output';
import { measureCliVersion, renderCliVersionAlone, cliVersionTarget } from './figures/cli-version';
import { table } from './format';
import { benchPlan } from './plan';
import { changeText, renderReport } from './report';
import type { Meta, Results } from './results';
import { StopRegistry } from './stop-registry';
import { judgeTargets } from './targets';

function main(): void {
  const startedAt = Date.now();
  const flags = readFlags(process.argv.slice(2));
  if (flags.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  // Progress on stderr; in --json mode nothing but the one object on stdout.
  const writeResult = flags.json ? divertStdoutToStderr() : (text: string) => void process.stdout.write(text);
  const progress = progressSince(startedAt);
  const stops = new StopRegistry(progress);

  // Last resort if the process dies without running stopAll: no orphaned Java or autocannon.
  process.on('exit', () => {
    stops.killChildren();
  });
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true;
      progress(`${signal}: stopping everything`);
      void stops.stopAll().finally(() => process.exit(130));
    });
  }

  const run = flags.only !== undefined ? measureAlone(startedAt, flags, progress, stops) : measureAll(startedAt, flags, progress, stops);
  run
    .then(async ({ results, render, whole }) => {
      await stops.stopAll();
      finishRun(results.meta, startedAt);
      progress(`done in ${results.meta.durationSeconds} s`);
      if (flags.save && whole !== undefined) {
        await saveBaseline(whole);
        progress('saved to BENCHMARKS.json: later runs are compared with it');
      }
      writeResult(`${flags.json ? JSON.stringify(results, null, 2) : render()}\n`);
      process.exitCode = 0;
      // Anything a library left running (keep-alive sockets, timers) must not hold the process.
      setTimeout(() => process.exit(0), 100).unref();
    })
    .catch(async (error: unknown) => {
      if (interrupted) return; // the signal handler is stopping everything and will exit
      process.stderr.write(`benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      await stops.stopAll();
      process.exit(1);
    });
}

/** An unknown flag ends the run at once: exit 1 with one line naming it and the valid ones. */
function readFlags(args: readonly string[]): Flags {
  try {
    return parseFlags(args);
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    process.stderr.write(`npm run bench: ${error.message}\n`);
    process.exit(1);
  }
}

/** What a run measured: the JSON to print (with its meta), the table, and the whole run when every figure was measured. */
interface Measured {
  readonly results: { readonly meta: Meta };
  readonly render: () => string;
  readonly whole?: Results;
}

async function measureAll(startedAt: number, flags: Flags, progress: Progress, stops: StopRegistry): Promise<Measured> {
  const meta = describeRun(startedAt, flags.quick, loadavg());
  const figures = await runBenchmark({ plan: benchPlan(flags.quick), progress, stops, phases: meta.phaseSeconds });
  const comparison = compareWithBaseline(figures, meta);
  progress(comparison.message);
  const results: Results = { meta, ...figures, targets: judgeTargets(figures), comparison };
  return { results, render: () => renderReport(results), whole: results };
}

/** `--only cli-version`: figure 11 alone, its headline compared with the same one in BENCHMARKS.json. */
async function measureAlone(startedAt: number, flags: Flags, progress: Progress, stops: StopRegistry): Promise<Measured> {
  const meta = describeRun(startedAt, flags.quick, loadavg());
  const start = Date.now();
  const figure11 = await measureCliVersion({ runs: benchPlan(flags.quick).cliVersionRuns, stops, progress });
  meta.phaseSeconds['figure 11'] = Math.round((Date.now() - start) / 100) / 10;
  // The other figures were not measured: only figure 11's headline is kept.
  const all = compareWithBaseline({ figure11 } as Results, meta);
  const comparison = { ...all, figures: all.figures.filter((figure) => figure.id.startsWith('f11.')) };
  progress(comparison.message);
  const results = { meta, figure11, targets: [cliVersionTarget(figure11)], comparison };
  return {
    results,
    render: () => renderCliVersionAlone(figure11, comparison, changeText(comparison), table),
  };
}

main();
