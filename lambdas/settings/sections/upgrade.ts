import { UPGRADE_STEPS } from '../../store/table-upgrade';
import * as kind from '../kinds';
import { setting } from '../spec';

/**
 * Upgrading a stack deployed by an older release (README "Upgrading"): the
 * step names the indexes the table declares and the functions read
 * (lambdas/store/table-upgrade.ts), so the stack and the functions agree.
 */
export const UPGRADE_SETTINGS = {
  tableUpgradeStep: setting({
    env: 'TABLE_UPGRADE_STEP',
    kind: kind.oneOf(UPGRADE_STEPS),
    usedBy: ['stack', 'management', 'events'],
    optional: true,
    shownDefault: 'unset: the current indexes (a fresh stack, or an upgrade done)',
    meaning:
      'only while upgrading a stack from an older release, one `cdk deploy` per step in the order README "Upgrading" gives; each step changes one index, and the functions read an index only from the step after the one that created it',
  }),
} as const;
