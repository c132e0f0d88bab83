import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DependencyUnavailableError, isDomainError } from '../domain/errors';
import { DEADLINE_FLOOR_MS, ensureTimeLeft } from '../runtime/deadline';
import { isTransactionConflict } from './named-transaction';
import { indexPlan, type IndexReads } from './table-upgrade';

/** What every part of the DynamoDB store works with. */
export interface StoreContext {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** The indexes the listings read (they change during a table upgrade, table-upgrade.ts). */
  readonly indexes: IndexReads;
  /** How often a transaction that lost a race with another is tried again. */
  readonly maxConflictRetries: number;
  readonly sleep: (ms: number) => Promise<void>;
}

export interface StoreContextOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** The indexes to list through; default: a fresh or fully upgraded table's. */
  readonly indexes?: IndexReads | undefined;
  /** How often a transaction that lost a race with another is tried again (default 8). */
  readonly maxConflictRetries?: number | undefined;
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
}

/** A pause that would leave no time for the call after it, under a request's deadline, is refused (lambdas/runtime/deadline.ts). */
const realSleep = async (ms: number): Promise<void> => {
  ensureTimeLeft(ms + DEADLINE_FLOOR_MS, `a ${Math.round(ms)} ms pause before trying DynamoDB again`);
  await new Promise((resolve) => setTimeout(resolve, ms));
};

/** A context with the store's defaults for what is not given. */
export function storeContext(options: StoreContextOptions): StoreContext {
  return {
    client: options.client,
    tableName: options.tableName,
    indexes: options.indexes ?? indexPlan().reads,
    maxConflictRetries: options.maxConflictRetries ?? 8,
    sleep: options.sleep ?? realSleep,
  };
}

/** Full jitter, doubling from 20 ms up to 640 ms. */
export const backoffMs = (attempt: number): number => Math.random() * 20 * 2 ** Math.min(attempt, 5);

/** Every failure that is not a domain outcome is a fault of the store: fail closed, retryable. */
export async function asStoreFault<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (isDomainError(error)) throw error;
    throw new DependencyUnavailableError('The key store is unavailable; try again shortly', 'STORE_UNAVAILABLE', { cause: error });
  }
}

/** Transactions on one owner item may collide; the loser tries again after a jittered pause. */
export async function withConflictRetries<T>(context: StoreContext, operation: () => Promise<T>): Promise<T> {
  return asStoreFault(async () => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await operation();
      } catch (error) {
        if (!isTransactionConflict(error) || attempt >= context.maxConflictRetries) throw error;
        const pause = backoffMs(attempt);
        // Under a request's deadline, never pause past it (whatever `sleep` is): the conflict stands, as a 503.
        ensureTimeLeft(pause + DEADLINE_FLOOR_MS, 'another try of a transaction that lost a race', error);
        await context.sleep(pause);
      }
    }
  });
}
