import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleAuthorizer, measureColdStart, WITHOUT_WARM_UP_ENTRY, type LocalServices } from '../cold-start';
import { DEPLOYED_KEYS, type DeployedTable } from '../deployed-table';
import { authorizerEvent } from '../fixtures';
import type { Progress } from '../output';
import type { Figure5 } from '../results';
import type { StopRegistry } from '../stop-registry';

/** Before each warm uncached call in a fresh process: longer than DynamoDB Local takes for the last call's background write. */
const WARM_CALL_PAUSE_MS = 50;

export type AuthorizerBundle = Awaited<ReturnType<typeof bundleAuthorizer>> & {
  readonly outDir: string;
  /** The same bundle without its warm-up at init (WITHOUT_WARM_UP_ENTRY), for figure 5's comparison. */
  readonly withoutWarmUpFile: string;
};

/** The authorizer bundled as CDK bundles it, once per run, into a temporary folder deleted when the run stops. */
export async function buildAuthorizerBundle(stops: StopRegistry, progress: Progress): Promise<AuthorizerBundle> {
  progress('bundling the authorizer as CDK does (esbuild)');
  const outDir = mkdtempSync(join(tmpdir(), 'uak-bench-'));
  stops.add('temporary bundle folder', () => {
    rmSync(outDir, { recursive: true, force: true });
    return Promise.resolve();
  });
  const withoutWarmUpDir = join(outDir, 'without-warm-up');
  const withoutWarmUp = await bundleAuthorizer(withoutWarmUpDir, WITHOUT_WARM_UP_ENTRY);
  return { ...(await bundleAuthorizer(outDir)), outDir, withoutWarmUpFile: withoutWarmUp.file };
}

export interface BundleColdStartInput {
  readonly bundle: AuthorizerBundle;
  readonly runs: number;
  readonly warmCalls: number;
  readonly table: DeployedTable;
  readonly local: LocalServices;
  readonly stops: StopRegistry;
  readonly progress: Progress;
}

/**
 * Figure 5: the bundle's size, and its cold start as Lambda pays it: fresh
 * node processes with the deployed environment that load it and complete
 * their first verification against DynamoDB Local (connection set-up
 * included), then verify more keys not yet cached, against fresh processes
 * that load an empty module.
 */
export async function measureBundleColdStart(input: BundleColdStartInput): Promise<Figure5> {
  const { bundle, table } = input;
  const keys = table.keys.slice(DEPLOYED_KEYS.coldStartFrom, DEPLOYED_KEYS.coldStartFrom + 1 + input.warmCalls);
  if (keys.length !== 1 + input.warmCalls) throw new Error('the deployed table has too few keys for figure 5');
  input.progress(`figure 5: ${input.runs} rounds of fresh processes (bundle verifying with and without its warm-up, empty module)`);
  const coldStart = await measureColdStart({
    bundleFile: bundle.file,
    withoutWarmUpBundleFile: bundle.withoutWarmUpFile,
    outDir: bundle.outDir,
    runs: input.runs,
    events: keys.map((k) => authorizerEvent(`Bearer ${k.key}`)),
    pauseMs: WARM_CALL_PAUSE_MS,
    local: input.local,
    stops: input.stops,
  });
  return {
    bundleBytes: bundle.bytes,
    gzipBytes: bundle.gzipBytes,
    sourceMapBytes: bundle.mapBytes,
    bytesByPackage: bundle.bytesByPackage,
    coldStart,
  };
}
