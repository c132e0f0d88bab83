import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Key, type IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { TABLE } from '../lambdas/store/table-schema';
import { indexPlan, type UpgradeStep } from '../lambdas/store/table-upgrade';

export interface KeyTableProps {
  /** Default `aws-owned`. */
  readonly encryption?: 'aws-owned' | 'aws-managed' | 'customer-managed' | undefined;
  /** With `customer-managed`: the key; omitted, a new key with rotation on is made here. */
  readonly encryptionKey?: IKey | undefined;
  /** `retain` (default) keeps the table, with deletion protection, when the stack goes. */
  readonly removal?: 'retain' | 'destroy' | undefined;
  /** While upgrading from an older release: the step (README "Upgrading"); unset, today's indexes. */
  readonly upgradeStep?: UpgradeStep | undefined;
}

/**
 * The one key table (lambdas/store/table-schema.ts): on demand, TTL on
 * `expiresAt`, point-in-time recovery, the stream, the owner index (never a hash), the
 * sparse event and expiry indexes, or an upgrade step's indexes and stream.
 */
export class KeyTable extends Construct {
  readonly table: Table;
  /** The customer-managed key, when there is one. */
  readonly encryptionKey?: IKey | undefined;

  constructor(scope: Construct, id: string, props: KeyTableProps = {}) {
    super(scope, id);
    const retain = (props.removal ?? 'retain') === 'retain';
    const encryption = props.encryption ?? 'aws-owned';
    if (encryption === 'customer-managed') {
      this.encryptionKey =
        props.encryptionKey ??
        new Key(this, 'Key', { enableKeyRotation: true, description: 'User API keys table', removalPolicy: RemovalPolicy.RETAIN });
    }
    const plan = indexPlan(props.upgradeStep);
    // 'Default' is left out of logical IDs: the table keeps the one it had before this construct existed.
    this.table = new Table(this, 'Default', {
      partitionKey: { name: TABLE.partitionKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TABLE.ttlAttribute,
      // Each new item's image, for the lifecycle events (lib/lifecycle-events.ts); an upgrade turns it on in a step of
      // its own (lambdas/store/table-upgrade.ts).
      ...(plan.stream ? { stream: StreamViewType[TABLE.streamViewType] } : {}),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: retain,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      ...(this.encryptionKey !== undefined
        ? { encryption: TableEncryption.CUSTOMER_MANAGED, encryptionKey: this.encryptionKey }
        : { encryption: encryption === 'aws-managed' ? TableEncryption.AWS_MANAGED : TableEncryption.DEFAULT }),
    });
    // The step's indexes, in its order (lambdas/store/table-upgrade.ts): each step adds or removes one.
    for (const index of plan.declared) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        ...(index.projection === 'ALL'
          ? { projectionType: ProjectionType.ALL }
          : { projectionType: ProjectionType.INCLUDE, nonKeyAttributes: [...index.projection] }),
      });
    }
  }
}
