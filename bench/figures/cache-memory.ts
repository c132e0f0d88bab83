import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../fixtures';
import type { Figure7, MemoryProbe } from '../results';
import type { StopRegistry } from '../stop-registry';

/**
 * Figure 7b: the verdict cache's and the last-used recorder's heap at their
 * bound, measured by bench/memory-probe.ts in a child `node --expose-gc`
 * process (a clean heap, GC on demand). A failure is reported in the figure,
 * not thrown: the rest of the run stands without it.
 */
export async function probeCacheMemory(stops: StopRegistry): Promise<Figure7['memory']> {
  try {
    return await runMemoryProbe(stops);
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

function runMemoryProbe(stops: StopRegistry): Promise<MemoryProbe> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(PROJECT_ROOT, 'bench', 'memory-probe.ts')], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        BENCH_MEMORY_PROBE_KEYS: '25000', // 2.5× the cache's default bound, quick or not: the Map's layout depends on it
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    stops.addChild('memory probe', child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) {
        reject(new Error(`memory probe exited ${code ?? 'on a signal'}: ${stderr.trim()}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout) as MemoryProbe);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}
