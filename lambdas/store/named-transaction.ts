import { TransactionCanceledException, TransactionConflictException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * A TransactWriteItems call whose items have names. DynamoDB reports why a
 * transaction was cancelled as a list in item order (CancellationReasons);
 * reading it through the names keeps a reordering of the items from silently
 * changing what a failed condition means.
 */
export interface NamedTransaction<N extends string> {
  readonly command: TransactWriteCommand;
  /**
   * The names of the items whose condition failed, when `error` cancelled this
   * transaction; undefined for any other error (a fault, to be rethrown).
   */
  failedConditions(error: unknown): ReadonlySet<N> | undefined;
}

const CONDITION_FAILED = 'ConditionalCheckFailed';

/**
 * Items in the order given; a name may stand for several items (e.g. the
 * events a change writes), and an empty list adds none.
 */
export function namedTransaction<N extends string>(
  items: Readonly<Record<N, TransactItem | readonly TransactItem[]>>,
): NamedTransaction<N> {
  const names: N[] = [];
  const transactItems: TransactItem[] = [];
  for (const name of Object.keys(items) as N[]) {
    const entry = items[name];
    for (const item of isItemList(entry) ? entry : [entry]) {
      names.push(name);
      transactItems.push(item);
    }
  }
  return {
    command: new TransactWriteCommand({ TransactItems: transactItems }),
    failedConditions(error) {
      if (!(error instanceof TransactionCanceledException)) return undefined;
      const failed = new Set<N>();
      (error.CancellationReasons ?? []).forEach((reason, position) => {
        const name = names[position];
        if (reason.Code === CONDITION_FAILED && name !== undefined) failed.add(name);
      });
      return failed;
    },
  };
}

function isItemList(entry: TransactItem | readonly TransactItem[]): entry is readonly TransactItem[] {
  return Array.isArray(entry);
}

/**
 * Another transaction held one of the items: worth trying again. DynamoDB says
 * so either as its own exception (for a plain write that met a transaction) or
 * as a cancellation reason; the SDK retries neither.
 */
export function isTransactionConflict(error: unknown): boolean {
  return (
    error instanceof TransactionConflictException ||
    (error instanceof TransactionCanceledException &&
      (error.CancellationReasons ?? []).some((reason) => reason.Code === 'TransactionConflict'))
  );
}
