import type { BudgetClaim } from '../domain/owner-budget';
import { numberAttribute } from './owner-item';

/** The owner item's attribute holding the budget's TAT, epoch milliseconds (lambdas/domain/owner-budget.ts). */
export const CREATION_TAT = 'creationTat';

export interface ExpressionParts {
  readonly set: readonly string[];
  readonly condition: string;
  readonly values: Readonly<Record<string, unknown>>;
}

/**
 * The budget's share of the owner item's update: both forms are a single
 * conditional SET, so concurrent requests of one owner cannot both spend the
 * same token (the second's condition fails, and it is judged again on a fresh read).
 */
export function budgetParts(claim: BudgetClaim): ExpressionParts {
  if (claim.kind === 'fresh') {
    return {
      set: [`${CREATION_TAT} = :nextTat`],
      condition: `(attribute_not_exists(${CREATION_TAT}) OR ${CREATION_TAT} <= :budgetNow)`,
      values: { ':nextTat': claim.nextTatMs, ':budgetNow': claim.nowMs },
    };
  }
  return {
    set: [`${CREATION_TAT} = ${CREATION_TAT} + :interval`],
    condition: `(${CREATION_TAT} > :budgetNow AND ${CREATION_TAT} <= :maxTat)`,
    values: { ':interval': claim.intervalMs, ':budgetNow': claim.nowMs, ':maxTat': claim.maxTatMs },
  };
}

/** The TAT as read from an owner item: a number, or nothing. */
export const tatOf = (item: Readonly<Record<string, unknown>> | undefined): number | undefined => numberAttribute(item, CREATION_TAT);
