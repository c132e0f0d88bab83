import type { Progress } from './output';

/** A child process, as far as the last-resort kill needs it. */
export interface TrackedChild {
  kill(signal: NodeJS.Signals): boolean;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
}

interface Entry {
  readonly name: string;
  readonly stop: () => Promise<void>;
  done: boolean;
}

/**
 * Everything a run starts is registered here and stopped in reverse order, once,
 * whether the run ends, fails or is interrupted. Child processes are also
 * tracked so that, if the process dies without stopping them, no Java or
 * autocannon is left behind.
 */
export class StopRegistry {
  private readonly entries: Entry[] = [];
  private readonly children: TrackedChild[] = [];

  constructor(private readonly progress: Progress) {}

  add(name: string, stop: () => Promise<void>): void {
    this.entries.push({ name, stop, done: false });
  }

  /** Registers a child to be SIGKILLed on stop (and by killChildren) if still running. */
  addChild(name: string, child: TrackedChild): void {
    this.children.push(child);
    this.add(name, () => {
      killIfRunning(child);
      return Promise.resolve();
    });
  }

  /** Tracks a child for killChildren only: something else stops it properly. */
  trackChild(child: TrackedChild): void {
    this.children.push(child);
  }

  async stopAll(): Promise<void> {
    for (const entry of [...this.entries].reverse()) {
      if (entry.done) continue;
      entry.done = true;
      try {
        await entry.stop();
      } catch (error) {
        this.progress(`could not stop ${entry.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  /** The last resort, synchronous (for process 'exit'): kills every tracked child still running. */
  killChildren(): void {
    for (const child of this.children) killIfRunning(child);
  }
}

function killIfRunning(child: TrackedChild): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
