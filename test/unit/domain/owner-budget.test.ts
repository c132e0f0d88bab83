import fc from 'fast-check';
import { claimHolds, decide, freshClaim, intervalMs, type BudgetClaim, type OwnerBudget } from '../../../lambdas/domain/owner-budget';
import { budgetParts, CREATION_TAT, tatOf } from '../../../lambdas/store/owner-rate';

const T0 = new Date('2026-06-01T12:00:00.000Z');
const at = (offsetMs: number): Date => new Date(T0.getTime() + offsetMs);

/** The TAT a claim leaves on the owner item (what its conditional SET does), or undefined when its condition fails. */
function applyClaim(claim: BudgetClaim, tatMs: number | undefined): number | undefined {
  if (!claimHolds(claim, tatMs)) return undefined;
  return claim.kind === 'fresh' ? claim.nextTatMs : tatMs! + claim.intervalMs;
}

/** One owner's bucket, driven as the store drives it: decide on the TAT read, then apply the claim. */
class Bucket {
  tatMs: number | undefined;
  constructor(private readonly budget: OwnerBudget) {}
  request(now: Date): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const decision = decide(this.budget, this.tatMs, now);
    if (decision.kind === 'refused') return { allowed: false, retryAfterSeconds: decision.retryAfterSeconds };
    const next = applyClaim(decision.claim, this.tatMs);
    if (next === undefined) throw new Error('a decided claim must hold on the TAT it was decided on');
    this.tatMs = next;
    return { allowed: true };
  }
}

describe('the owner budget (GCRA)', () => {
  const budget: OwnerBudget = { perMinute: 10, burst: 3 };

  it('spaces requests at the steady rate: 60 000 ms / perMinute', () => {
    expect(intervalMs(budget)).toBe(6000);
    expect(intervalMs({ perMinute: 600, burst: 1 })).toBe(100);
  });

  it('lets an idle owner make `burst` requests at once, then refuses the next with the time to the next token', () => {
    const bucket = new Bucket(budget);
    expect([bucket.request(T0), bucket.request(T0), bucket.request(T0)]).toEqual([{ allowed: true }, { allowed: true }, { allowed: true }]);
    expect(bucket.tatMs).toBe(T0.getTime() + 3 * 6000);
    expect(bucket.request(T0)).toEqual({ allowed: false, retryAfterSeconds: 6 });
    // A refusal changes nothing.
    expect(bucket.tatMs).toBe(T0.getTime() + 3 * 6000);
  });

  it('frees one request per interval, and Retry-After counts down to it', () => {
    const bucket = new Bucket(budget);
    for (let i = 0; i < 3; i += 1) bucket.request(T0);
    expect(bucket.request(at(1000))).toEqual({ allowed: false, retryAfterSeconds: 5 });
    expect(bucket.request(at(5001))).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(bucket.request(at(6000))).toEqual({ allowed: true });
    expect(bucket.request(at(6000))).toEqual({ allowed: false, retryAfterSeconds: 6 });
    expect(bucket.request(at(12_000))).toEqual({ allowed: true });
  });

  it('refills to the burst after an idle spell, never beyond it', () => {
    const bucket = new Bucket(budget);
    for (let i = 0; i < 3; i += 1) bucket.request(T0);
    // An hour idle: the bucket is full again (3), not 600 tokens deep.
    const later = at(3_600_000);
    expect([1, 2, 3].map(() => bucket.request(later).allowed)).toEqual([true, true, true]);
    expect(bucket.request(later).allowed).toBe(false);
  });

  it('rounds Retry-After up to whole seconds, and says at least 1', () => {
    const fast: OwnerBudget = { perMinute: 600, burst: 1 }; // 100 ms apart
    const bucket = new Bucket(fast);
    expect(bucket.request(T0).allowed).toBe(true);
    expect(bucket.request(at(10))).toEqual({ allowed: false, retryAfterSeconds: 1 });
    const slow: OwnerBudget = { perMinute: 7, burst: 1 }; // 8571.43 ms apart
    const other = new Bucket(slow);
    other.request(T0);
    expect(other.request(T0)).toEqual({ allowed: false, retryAfterSeconds: 9 });
  });

  it('with a burst of 1, allows exactly one request per interval', () => {
    const bucket = new Bucket({ perMinute: 60, burst: 1 });
    expect(bucket.request(T0).allowed).toBe(true);
    expect(bucket.request(at(999)).allowed).toBe(false);
    expect(bucket.request(at(1000)).allowed).toBe(true);
  });

  it('treats a TAT in the past (or none) as a full bucket: a fresh claim', () => {
    expect(decide(budget, undefined, T0)).toEqual({ kind: 'claim', claim: freshClaim(budget, T0) });
    expect(decide(budget, T0.getTime(), T0)).toEqual({ kind: 'claim', claim: freshClaim(budget, T0) });
    expect(decide(budget, T0.getTime() - 1, T0)).toEqual({
      kind: 'claim',
      claim: { kind: 'fresh', nowMs: T0.getTime(), nextTatMs: T0.getTime() + 6000 },
    });
  });

  it('queues a request while the TAT is at most (burst - 1) intervals ahead', () => {
    const maxTatMs = T0.getTime() + 2 * 6000;
    expect(decide(budget, maxTatMs, T0)).toEqual({
      kind: 'claim',
      claim: { kind: 'queued', nowMs: T0.getTime(), maxTatMs, intervalMs: 6000 },
    });
    expect(decide(budget, maxTatMs + 1, T0)).toEqual({ kind: 'refused', retryAfterSeconds: 1 });
  });

  describe('claimHolds: whether the owner item still allows the claim tried (else another request spent first)', () => {
    const fresh = freshClaim(budget, T0);
    const queued: BudgetClaim = { kind: 'queued', nowMs: T0.getTime(), maxTatMs: T0.getTime() + 12_000, intervalMs: 6000 };

    it('a fresh claim holds only while the bucket is full', () => {
      expect(claimHolds(fresh, undefined)).toBe(true);
      expect(claimHolds(fresh, T0.getTime())).toBe(true);
      expect(claimHolds(fresh, T0.getTime() + 1)).toBe(false);
    });

    it('a queued claim holds only while the TAT is ahead of now and at most its maximum', () => {
      expect(claimHolds(queued, undefined)).toBe(false);
      expect(claimHolds(queued, T0.getTime())).toBe(false);
      expect(claimHolds(queued, T0.getTime() + 1)).toBe(true);
      expect(claimHolds(queued, T0.getTime() + 12_000)).toBe(true);
      expect(claimHolds(queued, T0.getTime() + 12_001)).toBe(false);
    });
  });

  it('never allows more than burst + elapsed / interval requests in any window, whatever the arrival times', () => {
    fc.assert(
      fc.property(
        fc.record({ perMinute: fc.integer({ min: 1, max: 600 }), burst: fc.integer({ min: 1, max: 20 }) }),
        fc.array(fc.integer({ min: 0, max: 20_000 }), { minLength: 1, maxLength: 200 }),
        (ownerBudget, gaps) => {
          const bucket = new Bucket(ownerBudget);
          const allowed: number[] = [];
          let t = T0.getTime();
          for (const gap of gaps) {
            t += gap;
            if (bucket.request(new Date(t)).allowed) allowed.push(t);
          }
          const interval = intervalMs(ownerBudget);
          for (let i = 0; i < allowed.length; i += 1) {
            for (let j = i; j < allowed.length; j += 1) {
              const span = allowed[j]! - allowed[i]!;
              expect(j - i + 1).toBeLessThanOrEqual(ownerBudget.burst + Math.floor(span / interval) + 1e-9);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('always allows a request once Retry-After has passed', () => {
    fc.assert(
      fc.property(
        fc.record({ perMinute: fc.integer({ min: 1, max: 600 }), burst: fc.integer({ min: 1, max: 20 }) }),
        fc.integer({ min: 1, max: 40 }),
        (ownerBudget, requests) => {
          const bucket = new Bucket(ownerBudget);
          let refused: { retryAfterSeconds: number } | undefined;
          for (let i = 0; i < requests && refused === undefined; i += 1) {
            const answer = bucket.request(T0);
            if (!answer.allowed) refused = answer;
          }
          if (refused === undefined) return;
          expect(bucket.request(at(refused.retryAfterSeconds * 1000)).allowed).toBe(true);
        },
      ),
    );
  });
});

describe("the budget's conditional update on the owner item (owner-rate.ts)", () => {
  it('a fresh claim sets the TAT only where there is none or it has passed', () => {
    const parts = budgetParts({ kind: 'fresh', nowMs: 1000, nextTatMs: 7000 });
    expect(parts.set).toEqual([`${CREATION_TAT} = :nextTat`]);
    expect(parts.condition).toBe(`(attribute_not_exists(${CREATION_TAT}) OR ${CREATION_TAT} <= :budgetNow)`);
    expect(parts.values).toEqual({ ':nextTat': 7000, ':budgetNow': 1000 });
  });

  it('a queued claim moves the TAT on by one interval, only while it is within the maximum', () => {
    const parts = budgetParts({ kind: 'queued', nowMs: 1000, maxTatMs: 13_000, intervalMs: 6000 });
    expect(parts.set).toEqual([`${CREATION_TAT} = ${CREATION_TAT} + :interval`]);
    expect(parts.condition).toBe(`(${CREATION_TAT} > :budgetNow AND ${CREATION_TAT} <= :maxTat)`);
    expect(parts.values).toEqual({ ':interval': 6000, ':budgetNow': 1000, ':maxTat': 13_000 });
  });

  it('reads the TAT only when it is a number', () => {
    expect(tatOf(undefined)).toBeUndefined();
    expect(tatOf({})).toBeUndefined();
    expect(tatOf({ [CREATION_TAT]: '5' })).toBeUndefined();
    expect(tatOf({ [CREATION_TAT]: 5 })).toBe(5);
  });
});
