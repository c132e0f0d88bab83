/**
 * `tsx console/build-cli.ts <outDir>`: the console's files, index.html and manifest.json in
 * `<outDir>` (the CDK bundling of the console function runs it).
 */
import { resolve } from 'node:path';
import { writeConsoleAssets } from './build';

async function main(): Promise<void> {
  const outDir = process.argv[2];
  if (outDir === undefined || outDir === '') {
    process.stderr.write('usage: tsx console/build-cli.ts <outDir>\n');
    process.exitCode = 1;
    return;
  }
  const started = performance.now();
  await writeConsoleAssets(resolve(outDir));
  process.stdout.write(`console assets in ${resolve(outDir)} (${Math.round(performance.now() - started)} ms)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`console build failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
