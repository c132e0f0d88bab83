/**
 * Each owner's budget of creates and rotations (OWNER_KEY_CREATION_RATE per
 * minute, OWNER_KEY_CREATION_BURST at once): a token bucket, kept as GCRA's
 * single number, the "theoretical arrival time" (TAT, epoch milliseconds) of
 * the next request at the steady rate. A request at `now` is allowed while
 * max(tat, now) + interval - now <= burst * interval, and moves the TAT on by
 * one interval. One number per owner, so it lives on the owner item and is
 * updated in the same transaction as the key it pays for
 * (lambdas/store/owner-rate.ts); a refused request changes nothing.
 */
export interface OwnerBudget {
  /** Requests per minute, at the steady rate. */
  readonly perMinute: number;
  /** Requests an idle owner may make at once. */
  readonly burst: number;
}

/** What the owner item must hold for one more request at `now`, and what it then holds. */
export type BudgetClaim =
  /** The bucket is full (no TAT yet, or one already past): the TAT becomes now + interval. */
  | { readonly kind: 'fresh'; readonly nowMs: number; readonly nextTatMs: number }
  /** Requests are queued ahead: allowed while the TAT is at most `maxTatMs`; it moves on by `intervalMs`. */
  | { readonly kind: 'queued'; readonly nowMs: number; readonly maxTatMs: number; readonly intervalMs: number };

export type BudgetDecision =
  { readonly kind: 'claim'; readonly claim: BudgetClaim } | { readonly kind: 'refused'; readonly retryAfterSeconds: number };

export const intervalMs = (budget: OwnerBudget): number => 60_000 / budget.perMinute;

/** The claim to try first when the owner item has not been read: most owners create rarely, so their bucket is full. */
export function freshClaim(budget: OwnerBudget, now: Date): BudgetClaim {
  const nowMs = now.getTime();
  return { kind: 'fresh', nowMs, nextTatMs: nowMs + intervalMs(budget) };
}

/** The decision for an owner whose TAT was read as `tatMs` (undefined: never set, or not a number). */
export function decide(budget: OwnerBudget, tatMs: number | undefined, now: Date): BudgetDecision {
  const nowMs = now.getTime();
  if (tatMs === undefined || tatMs <= nowMs) return { kind: 'claim', claim: freshClaim(budget, now) };
  const interval = intervalMs(budget);
  const maxTatMs = nowMs + (budget.burst - 1) * interval;
  if (tatMs <= maxTatMs) return { kind: 'claim', claim: { kind: 'queued', nowMs, maxTatMs, intervalMs: interval } };
  // One more is allowed once the TAT has come down to maxTatMs.
  return { kind: 'refused', retryAfterSeconds: Math.max(1, Math.ceil((tatMs - maxTatMs) / 1000)) };
}

/** Whether a TAT read back satisfies the claim that was tried (if so, the claim was not what failed). */
export function claimHolds(claim: BudgetClaim, tatMs: number | undefined): boolean {
  if (claim.kind === 'fresh') return tatMs === undefined || tatMs <= claim.nowMs;
  return tatMs !== undefined && tatMs > claim.nowMs && tatMs <= claim.maxTatMs;
}
