import { spawn } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_BRAND } from '../../cli/brand';
import { buildCliPackage, packTarball, projectVersion } from '../../scripts/cli-package';
import { installGlobally } from '../../scripts/installed-cli';
import { formatMs, spreadMs } from '../format';
import type { Progress } from '../output';
import { quantile, summarize, type Summary } from '../stats';
import type { Comparison, Target } from '../results';
import type { StopRegistry } from '../stop-registry';

/** What the issue allows `apikey --version` of the installed package: no noticeable delay. */
export const CLI_VERSION_TARGET_MS = 150;

/** Figure 11: `apikey --version` of the package as users install it, against an empty node in the same rounds. */
export interface Figure11 {
  /** spawn to exit of `node <installed bin> --version`, ms. */
  versionMs: Summary;
  versionP95Ms: number;
  /** spawn to exit of `node -e 0`, ms: what node alone costs on this machine. */
  emptyNodeMs: Summary;
  /** Per round, version minus empty: what the CLI itself adds. */
  addedMs: Summary;
  bundleBytes: number;
  runs: number;
}

export interface CliVersionInput {
  readonly runs: number;
  readonly stops: StopRegistry;
  readonly progress: Progress;
}

/** One spawn of node with `args`, to its exit: ms. Fails unless it exits 0 and prints `expected` (when given). */
function timedSpawn(args: readonly string[], expected?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { PATH: process.env.PATH ?? '' } });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0) reject(new Error(`node ${args.join(' ')} exited ${code}`));
      else if (expected !== undefined && stdout !== expected) reject(new Error(`node ${args.join(' ')} printed ${JSON.stringify(stdout)}`));
      else resolve(ms);
    });
  });
}

/**
 * Figure 11: the CLI built and packed as `npm run build:cli` does (the default brand),
 * installed with `npm install -g` into a temporary prefix, then `node <bin> --version`
 * spawned `runs` times, each round also spawning `node -e 0` (the order alternating), after
 * a warm-up of the file cache.
 */
export async function measureCliVersion({ runs, stops, progress }: CliVersionInput): Promise<Figure11> {
  progress(`figure 11: building and installing the CLI package, then ${runs} rounds of apikey --version and node -e 0`);
  const work = mkdtempSync(join(tmpdir(), 'uak-bench-cli-'));
  stops.add('temporary CLI package', () => {
    rmSync(work, { recursive: true, force: true });
    return Promise.resolve();
  });
  const version = projectVersion();
  const built = await buildCliPackage({ brand: LOCAL_BRAND, version, packageDir: join(work, 'package') });
  const prefix = join(work, 'prefix');
  await installGlobally([packTarball(built.packageDir, join(work, 'dist'))], prefix);
  const bin = realpathSync(join(prefix, 'bin', LOCAL_BRAND.command));
  const expected = `${version}\n`;
  for (let i = 0; i < 3; i += 1) {
    await timedSpawn([bin, '--version'], expected);
    await timedSpawn(['-e', '0']);
  }
  const versionSamples: number[] = [];
  const emptySamples: number[] = [];
  for (let round = 0; round < runs; round += 1) {
    const cli = () => timedSpawn([bin, '--version'], expected).then((ms) => versionSamples.push(ms));
    const empty = () => timedSpawn(['-e', '0']).then((ms) => emptySamples.push(ms));
    if (round % 2 === 0) {
      await cli();
      await empty();
    } else {
      await empty();
      await cli();
    }
  }
  const sorted = [...versionSamples].sort((a, b) => a - b);
  return {
    versionMs: summarize(versionSamples),
    versionP95Ms: quantile(sorted, 0.95),
    emptyNodeMs: summarize(emptySamples),
    addedMs: summarize(versionSamples.map((ms, i) => ms - (emptySamples[i] ?? Number.NaN))),
    bundleBytes: built.bundleBytes,
    runs,
  };
}

/** The report's rows for figure 11, in its row format (number, label, median, spread, notes, headline id). */
export function cliVersionRows(
  f11: Figure11,
  row: (num: string, label: string, median: string, detail: string, notes: string, headline?: string) => string[],
): string[][] {
  return [
    row(
      '11',
      'apikey --version, installed package (spawn to exit)',
      formatMs(f11.versionMs.median),
      spreadMs(f11.versionMs),
      `p95 ${formatMs(f11.versionP95Ms)}, ${f11.runs} runs; one ${(f11.bundleBytes / 1000).toFixed(0)} KB file; target < ${CLI_VERSION_TARGET_MS} ms`,
      'f11.cliVersion',
    ),
    row('', 'node -e 0, same rounds', formatMs(f11.emptyNodeMs.median), spreadMs(f11.emptyNodeMs), 'what node alone costs here'),
    row(
      '',
      'added by the CLI (per round)',
      formatMs(f11.addedMs.median),
      spreadMs(f11.addedMs),
      'loading the bundle, parsing argv, printing',
    ),
  ];
}

/** T13: the installed CLI answers `--version` in under 150 ms (median, spawn to exit, node's own start-up included). */
export function cliVersionTarget(f11: Figure11): Target {
  return {
    id: 'T13',
    figure: 11,
    description: `apikey --version of the installed package < ${CLI_VERSION_TARGET_MS} ms (median, spawn to exit)`,
    status: f11.versionMs.median < CLI_VERSION_TARGET_MS ? 'pass' : 'miss',
    measured: `${formatMs(f11.versionMs.median)} (p95 ${formatMs(f11.versionP95Ms)}; node -e 0 ${formatMs(f11.emptyNodeMs.median)})`,
  };
}

/** What `--only cli-version` prints: figure 11's rows, compared with BENCHMARKS.json, and its target. */
export function renderCliVersionAlone(
  f11: Figure11,
  comparison: Comparison,
  change: (id: string) => string,
  table: (header: readonly string[], rows: readonly (readonly string[])[]) => string,
): string {
  const row = (num: string, label: string, median: string, detail: string, notes: string, headline?: string) => [
    num,
    label,
    median,
    detail,
    headline === undefined ? '' : change(headline),
    notes,
  ];
  const target = cliVersionTarget(f11);
  return [
    comparison.message,
    table(['#', 'figure', 'median', 'p25 – p75 / detail', 'vs BENCHMARKS.json', 'notes'], cliVersionRows(f11, row)),
    '',
    `(11) ${target.description}: ${target.status === 'pass' ? 'met' : 'MISSED'}, ${target.measured}`,
  ].join('\n');
}
