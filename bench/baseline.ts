/**
 * The last committed results, BENCHMARKS.json beside BENCHMARKS.md (written
 * by `npm run bench -- --save`), and this run's headline figures against
 * them. A missing or unreadable file, one from another figure layout, or a
 * --quick run on either side is said so, and the run goes on.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './fixtures';
import { FIGURE_LAYOUT, type Comparison, type FigureChange, type Figures, type Meta, type Results } from './results';

export const BASELINE_FILE = join(PROJECT_ROOT, 'BENCHMARKS.json');

interface Headline {
  readonly id: string;
  readonly label: string;
  readonly unit: string;
  readonly better: FigureChange['better'];
  readonly value: (r: Figures) => number;
}

/** The figures compared run to run: what the targets judge, in the unit the report prints them. */
export const HEADLINES: readonly Headline[] = [
  {
    id: 'f1.allowCached',
    label: 'cached allow, deployed bundle',
    unit: 'µs',
    better: 'lower',
    value: (r) => r.figure1.deployed.allowCachedNs.median / 1000,
  },
  {
    id: 'f1.allowToSha256',
    label: 'allow ÷ SHA-256',
    unit: '×',
    better: 'lower',
    value: (r) => r.figure1.deployed.ratioToSha256.median,
  },
  { id: 'f1.jwtToAllow', label: 'JWT ÷ allow', unit: '×', better: 'higher', value: (r) => r.figure1.deployed.jwtToAllow.median },
  {
    id: 'f1.denialToAllow',
    label: 'denial writing its INFO line ÷ allow',
    unit: '×',
    better: 'lower',
    value: (r) => r.figure1.deployed.loggedToAllow.median,
  },
  { id: 'f2.uncached', label: 'uncached, DynamoDB Local', unit: 'ms', better: 'lower', value: (r) => r.figure2.perCallMs.median },
  { id: 'f5.bundle', label: 'authorizer bundle', unit: 'KB', better: 'lower', value: (r) => r.figure5.bundleBytes / 1000 },
  {
    id: 'f5.loadAdded',
    label: 'load added over an empty module',
    unit: 'ms',
    better: 'lower',
    value: (r) => r.figure5.coldStart.deployed.addedMs.median,
  },
  {
    id: 'f5.firstToWarm',
    label: 'first verification ÷ warm uncached',
    unit: '×',
    better: 'lower',
    value: (r) => r.figure5.coldStart.deployed.firstToWarm.median,
  },
  {
    id: 'f6.whoamiToHealth',
    label: '/whoami ÷ /health',
    unit: '%',
    better: 'higher',
    value: (r) => r.figure6.whoamiToHealthThroughput * 100,
  },
  { id: 'f7.largeToSmall', label: 'large ÷ small table', unit: '×', better: 'nearer 1', value: (r) => r.figure7.largeToSmallMedian },
  { id: 'f11.cliVersion', label: 'apikey --version, installed', unit: 'ms', better: 'lower', value: (r) => r.figure11.versionMs.median },
];

/** A figure's value, or null when the results lack it (an older or broken file). */
function valueOf(headline: Headline, r: Figures): number | null {
  try {
    const value = headline.value(r);
    return Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}

export function compareWithBaseline(figures: Figures, meta: Meta, file = BASELINE_FILE): Comparison {
  const uncompared = (status: Comparison['status'], message: string, baseline: Comparison['baseline'] = null): Comparison => ({
    status,
    message,
    baseline,
    figures: HEADLINES.map((h) => ({ ...describe(h, figures), previous: null, change: null })),
  });
  if (meta.quick) return uncompared('quick', '--quick: not compared with BENCHMARKS.json (a smoke run is not comparable with a full one)');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return uncompared('missing', 'no BENCHMARKS.json beside BENCHMARKS.md: nothing to compare with (npm run bench -- --save writes one)');
  }
  let previous: Partial<Results>;
  try {
    previous = JSON.parse(text) as Partial<Results>;
  } catch {
    return uncompared('unreadable', 'BENCHMARKS.json is not JSON: not compared');
  }
  const baseline = {
    commit: previous.meta?.source.commit ?? 'unknown',
    startedAt: previous.meta?.startedAt ?? 'unknown',
    layout: typeof previous.meta?.layout === 'number' ? previous.meta.layout : null,
  };
  if (baseline.layout !== FIGURE_LAYOUT) {
    return uncompared(
      'different-layout',
      `BENCHMARKS.json (commit ${baseline.commit}) is from figure layout ${baseline.layout ?? 'none'}, this run's is ${FIGURE_LAYOUT}: not compared`,
      baseline,
    );
  }
  if (previous.meta?.quick === true) {
    return uncompared('quick', `BENCHMARKS.json (commit ${baseline.commit}) holds a --quick run: not compared`, baseline);
  }
  return {
    status: 'compared',
    message: `compared with BENCHMARKS.json: commit ${baseline.commit}, ${baseline.startedAt}`,
    baseline,
    figures: HEADLINES.map((h) => {
      const now = describe(h, figures);
      const was = valueOf(h, previous as Figures);
      return { ...now, previous: was, change: was === null || was === 0 ? null : now.now / was - 1 };
    }),
  };
}

function describe(h: Headline, figures: Figures): Omit<FigureChange, 'previous' | 'change'> {
  return { id: h.id, label: h.label, now: valueOf(h, figures) ?? Number.NaN, unit: h.unit, better: h.better };
}

/**
 * Writes the run to BENCHMARKS.json as Prettier would format it (the
 * repository's lint checks every JSON file), so it can be committed as written.
 */
export async function saveBaseline(results: Results, file = BASELINE_FILE): Promise<void> {
  const text = `${JSON.stringify(results, null, 2)}\n`;
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(file, await prettier.format(text, { ...options, filepath: file }));
}
