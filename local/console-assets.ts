import { buildConsoleAssets } from '../console/build';
import type { ConsoleAssets } from '../lambdas/console/console-assets';

let built: Promise<ConsoleAssets> | undefined;

/**
 * The console's files for the local gateway, built (esbuild, in memory) on
 * the first request for them and shared by every local system in the
 * process: a system that nobody opens the console on pays nothing. A failed
 * build is not kept, so the next request tries again.
 */
export function localConsoleAssets(): Promise<ConsoleAssets> {
  const building = (built ??= buildConsoleAssets());
  building.catch(() => {
    if (built === building) built = undefined;
  });
  return building;
}
