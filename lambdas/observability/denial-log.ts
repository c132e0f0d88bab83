import { makeRoom } from '../domain/make-room';
import type { AppLogger } from './logger';

/** What a denial's log line says: the outcome code, the key (when one was named), the route, the scope it lacked. */
export interface Denial {
  readonly code: string;
  readonly keyId?: string | undefined;
  readonly routeKey: string;
  readonly required?: string | undefined;
}

export interface DenialLogOptions {
  readonly logger: AppLogger;
  /** One line per denial kind (code, key, route) per this many ms; the repeats in between are counted. */
  readonly windowMs?: number | undefined;
  /** Kinds tracked at once; the oldest is forgotten first (its next denial is logged at once). */
  readonly maxKinds?: number | undefined;
  readonly now?: (() => number) | undefined;
}

export const DENIAL_LOG_WINDOW_MS = 60_000;

/**
 * The authorizer's "key denied" lines, at most one per kind of denial a
 * minute: a script retrying a revoked key in a loop, or a flood of garbage,
 * writes one line a minute with `repeats` (how many of the same denial were
 * not logged since the previous line), not a line per request. Each line
 * costs a Powertools call, its JSON and a stdout write, several times the
 * verdict itself; the verdict metrics still count every denial
 * (lambdas/observability/verdict-metrics.ts), so nothing goes uncounted.
 * Support searching by keyId sees the first denial of each minute.
 */
export class DenialLog {
  private readonly logger: AppLogger;
  private readonly windowMs: number;
  private readonly maxKinds: number;
  private readonly now: () => number;
  private readonly kinds = new Map<string, { loggedAtMs: number; repeats: number }>();

  constructor(options: DenialLogOptions) {
    this.logger = options.logger;
    this.windowMs = options.windowMs ?? DENIAL_LOG_WINDOW_MS;
    this.maxKinds = options.maxKinds ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  denied(denial: Denial): void {
    const kind = `${denial.code} ${denial.keyId ?? ''} ${denial.routeKey}`;
    const nowMs = this.now();
    const seen = this.kinds.get(kind);
    if (seen !== undefined && nowMs - seen.loggedAtMs < this.windowMs) {
      seen.repeats += 1;
      return;
    }
    this.kinds.delete(kind); // re-inserted below as the newest
    makeRoom(this.kinds, this.maxKinds);
    this.kinds.set(kind, { loggedAtMs: nowMs, repeats: 0 });
    this.logger.info('key denied', {
      code: denial.code,
      ...(denial.keyId !== undefined ? { keyId: denial.keyId } : {}),
      routeKey: denial.routeKey,
      ...(denial.required !== undefined ? { required: denial.required } : {}),
      ...(seen !== undefined && seen.repeats > 0 ? { repeats: seen.repeats } : {}),
    });
  }
}
