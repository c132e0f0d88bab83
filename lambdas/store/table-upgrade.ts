import { CURRENT_INDEXES, INDEXES, projectsKeySummary, type IndexDefinition } from './table-schema';

/**
 * Upgrading a deployed table to today's indexes without getting stuck.
 * CloudFormation adds or deletes at most one GSI per stack update, cannot
 * change a GSI's projection in place, and does not wait for a new GSI to
 * finish backfilling (AWS::DynamoDB::Table, GlobalSecondaryIndexes:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dynamodb-table.html;
 * GlobalSecondaryIndex "Update requires: Updates are not supported":
 * https://docs.amazonaws.cn/AWSCloudFormation/latest/UserGuide/aws-properties-dynamodb-gsi.html).
 *
 * So each step below is one `cdk deploy` (`-c tableUpgradeStep=<step>`) that
 * changes one index, and the functions read an index only in a step after
 * the one that created it (the operator waits for ACTIVE in between, README
 * "Upgrading"). The last step of every path is a plain `cdk deploy`.
 */
export const UPGRADE_STEPS = [
  // From release 1 (one index, byOwner with release 1's projection):
  'release1-add-owner-v2',
  'release1-add-key-events',
  // From a stack deployed with the key-lifecycle code before versioned names (byOwner with today's projection, byKeyEvents):
  'lifecycle-add-owner-v2',
  'lifecycle-read-owner-v2',
  // Both paths above go on here: the old owner index goes.
  'remove-old-owner-index',
  // Every path ends here, the previous release's stacks too: the stream goes on, alone, so the plain deploy after
  // it adds only the expiry index. DynamoDB takes one of these per UpdateTable (an index created or deleted, or the
  // stream turned on: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html).
  'add-stream',
] as const;

export type UpgradeStep = (typeof UPGRADE_STEPS)[number];

/** The indexes the functions read. */
export interface IndexReads {
  readonly owner: IndexDefinition;
  /** Absent while the event index is still being built: the audit trail answers 503 until the next step. */
  readonly events?: IndexDefinition | undefined;
  /** Absent until the upgrade's last, plain deploy adds it: the daily expiry notice skips its run until then. */
  readonly expiry?: IndexDefinition | undefined;
}

export interface IndexPlan {
  /** What the table declares, in this order (existing indexes first, so a step only appends or removes). */
  readonly declared: readonly IndexDefinition[];
  readonly reads: IndexReads;
  /** Whether the table has its stream (and so the lifecycle events their function): from `add-stream` on. */
  readonly stream: boolean;
}

const { ownerRelease1, ownerLifecycle, ownerV2, events, expiry } = INDEXES;

const PLANS: Readonly<Record<UpgradeStep, IndexPlan>> = {
  'release1-add-owner-v2': { declared: [ownerRelease1, ownerV2], reads: { owner: ownerRelease1 }, stream: false },
  'release1-add-key-events': { declared: [ownerRelease1, ownerV2, events], reads: { owner: ownerV2 }, stream: false },
  'lifecycle-add-owner-v2': { declared: [ownerLifecycle, events, ownerV2], reads: { owner: ownerLifecycle, events }, stream: false },
  'lifecycle-read-owner-v2': { declared: [ownerLifecycle, events, ownerV2], reads: { owner: ownerV2, events }, stream: false },
  'remove-old-owner-index': { declared: [ownerV2, events], reads: { owner: ownerV2, events }, stream: false },
  'add-stream': { declared: [ownerV2, events], reads: { owner: ownerV2, events }, stream: true },
};

/** A fresh table, or one whose upgrade is complete (the previous release's table gains the expiry index last). */
const CURRENT_PLAN: IndexPlan = { declared: CURRENT_INDEXES, reads: { owner: ownerV2, events, expiry }, stream: true };

/** The indexes at an upgrade step; no step: today's. */
export function indexPlan(step?: UpgradeStep): IndexPlan {
  return step === undefined ? CURRENT_PLAN : PLANS[step];
}

/**
 * Indexes whose one reader checks that the index is ACTIVE before each read (the daily expiry notice:
 * lambdas/handlers/expiry-notices.ts), so the deploy that creates one may grant and read it too.
 */
export const READ_ONCE_ACTIVE: readonly string[] = [INDEXES.expiry.name];

export const isUpgradeStep = (value: unknown): value is UpgradeStep => (UPGRADE_STEPS as readonly unknown[]).includes(value);

/** Whether listing must read each key item itself because the owner index it reads lacks attributes. */
export const ownerIndexLacksAttributes = (reads: IndexReads): boolean => !projectsKeySummary(reads.owner);
