import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleAuthorizer, measureColdStart } from '../cold-start';
import type { Progress } from '../output';
import type { Figure5 } from '../results';
import type { StopRegistry } from '../stop-registry';

/** Figure 5: the authorizer bundled as CDK bundles it, and a cold load of it in fresh node processes. */
export async function measureBundleColdStart(input: { runs: number; stops: StopRegistry; progress: Progress }): Promise<Figure5> {
  input.progress('figure 5: bundling the authorizer as CDK does, then timing cold loads');
  const outDir = mkdtempSync(join(tmpdir(), 'uak-bench-'));
  input.stops.add('temporary bundle folder', () => {
    rmSync(outDir, { recursive: true, force: true });
    return Promise.resolve();
  });
  const bundle = await bundleAuthorizer(outDir);
  return {
    bundleBytes: bundle.bytes,
    gzipBytes: bundle.gzipBytes,
    sourceMapBytes: bundle.mapBytes,
    bytesByPackage: bundle.bytesByPackage,
    coldStart: measureColdStart(bundle.file, outDir, input.runs),
  };
}
