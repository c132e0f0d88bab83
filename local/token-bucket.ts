import type { RouteThrottle } from '../lambdas/api-definition';

/** API Gateway's throttling for one route: `burstLimit` tokens, refilled at `rateLimit` per second. */
export class TokenBucket {
  private tokens: number;
  private updatedAtMs: number;

  constructor(
    private readonly throttle: RouteThrottle,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = throttle.burstLimit;
    this.updatedAtMs = now();
  }

  /** Takes a token if there is one. */
  take(): boolean {
    const now = this.now();
    const refill = ((now - this.updatedAtMs) / 1000) * this.throttle.rateLimit;
    this.tokens = Math.min(this.throttle.burstLimit, this.tokens + refill);
    this.updatedAtMs = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
