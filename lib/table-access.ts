import { KEY_ID_LENGTH } from '../lambdas/domain/key-format';
import { STORMPATH_KEY_ID_LENGTH } from '../lambdas/domain/key-ids';
import { UPGRADE_SETTINGS } from '../lambdas/settings/sections/upgrade';
import { TABLE, type IndexDefinition } from '../lambdas/store/table-schema';
import { indexPlan, isUpgradeStep } from '../lambdas/store/table-upgrade';

/**
 * IAM conditions for the table, each checked against AWS's documentation:
 *
 * - `dynamodb:LeadingKeys` is the request's partition key values; DynamoDB
 *   requires `ForAllValues` with it. `ForAllValues` is also true when the key
 *   is absent, so a `Null` check requires it
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html,
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition_examples-multi-valued-context-keys.html).
 * - `dynamodb:ReturnValues` is the request's ReturnValues. UpdateItem always
 *   has one (NONE unless asked otherwise), so `StringEquals` holds for it;
 *   GetItem and BatchGetItem have none, and statements that also grant them
 *   use `StringEqualsIfExists`, which is true when the key is absent
 *   (DynamoDB guide above, "Grant permissions that limit access to specific
 *   attributes"; https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists).
 */

/**
 * Key items only: a key id is exactly KEY_ID_LENGTH base62 characters
 * (lambdas/domain/key-format.ts), or STORMPATH_KEY_ID_LENGTH for a key
 * imported from Stormpath (lambdas/domain/key-ids.ts). IAM patterns have no
 * character classes, so `?` pins the length and `*#*` rules out the `owner#`
 * and `event#` items (an `owner#<sub>` of the same length is possible). With
 * ForAllValues, each requested key must match one of the patterns.
 */
export const KEY_ITEMS_ONLY = {
  'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['?'.repeat(KEY_ID_LENGTH), '?'.repeat(STORMPATH_KEY_ID_LENGTH)] },
  'ForAllValues:StringNotLike': { 'dynamodb:LeadingKeys': ['*#*'] },
  Null: { 'dynamodb:LeadingKeys': 'false' },
} as const;

/** The authorizer's "last used" write: `lastUsedAt` on an existing key item, nothing returned. */
export const LAST_USED_WRITE_CONDITIONS = {
  ...KEY_ITEMS_ONLY,
  'ForAllValues:StringEquals': { 'dynamodb:Attributes': [TABLE.partitionKey, 'lastUsedAt'] },
  StringEquals: { 'dynamodb:ReturnValues': 'NONE' },
} as const;

/** For statements with writes: no write returns an item (none of the store's calls asks for one). */
export const NO_RETURNED_ITEMS = { StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' } } as const;

const WRITE_ACTIONS = new Set(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']);
export const writes = (actions: readonly string[]): boolean => actions.some((action) => WRITE_ACTIONS.has(action));

/**
 * The index a function with this environment reads for `role`, at the upgrade
 * step the environment names: its Query grant follows what it reads, so a
 * function is never granted an index it does not use, nor denied one it does.
 */
export function indexRead(role: 'owner' | 'events' | 'expiry', environment: Readonly<Record<string, string>>): IndexDefinition | undefined {
  const step = environment[UPGRADE_SETTINGS.tableUpgradeStep.env];
  if (step !== undefined && !isUpgradeStep(step)) throw new Error(`Unknown table upgrade step ${step}`);
  return indexPlan(step).reads[role];
}
