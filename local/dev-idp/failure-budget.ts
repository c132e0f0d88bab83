/**
 * A fixed-window budget of failed attempts, shared by every caller: at most
 * `maxFailures` in a window that opens at the first failure after the last
 * window ended; once spent, every attempt is refused until the window ends.
 * Shared rather than per client because the development provider cannot tell
 * clients apart (all of them are 127.0.0.1). Times are milliseconds, passed
 * in, so the owner's injected clock drives it.
 */
export class FailureBudget {
  private windowStart: number | undefined;
  private failures = 0;

  constructor(
    readonly maxFailures: number,
    readonly windowMs: number,
  ) {}

  /** Milliseconds until attempts are accepted again; 0 when they are now. */
  blockedForMs(at: number): number {
    if (this.windowStart === undefined || this.failures < this.maxFailures) return 0;
    return Math.max(0, this.windowStart + this.windowMs - at);
  }

  recordFailure(at: number): void {
    if (this.windowStart === undefined || at >= this.windowStart + this.windowMs) {
      this.windowStart = at;
      this.failures = 0;
    }
    this.failures += 1;
  }
}
