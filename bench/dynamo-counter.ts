import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const READS = /^(GetItem|BatchGetItem|Query|Scan|TransactGetItems)Command$/;
const WRITES = /^(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems)Command$/;

export interface DynamoCounts {
  reads: number;
  writes: number;
  other: number;
  byCommand: Record<string, number>;
}

/**
 * Counts every DynamoDB operation a client sends, with a middleware at the
 * `initialize` step of its stack (once per operation, retries not counted
 * again). The document client shares its stack with the client it wraps, so
 * this sees what the store and the last-used recorder send alike.
 */
export class DynamoCounter {
  private counts: DynamoCounts = { reads: 0, writes: 0, other: 0, byCommand: {} };

  constructor(client: DynamoDBDocumentClient) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const name = (context as { commandName?: string }).commandName ?? 'unknown';
        this.counts.byCommand[name] = (this.counts.byCommand[name] ?? 0) + 1;
        if (READS.test(name)) this.counts.reads += 1;
        else if (WRITES.test(name)) this.counts.writes += 1;
        else this.counts.other += 1;
        return next(args);
      },
      { step: 'initialize', name: 'benchDynamoCounter', priority: 'high' },
    );
  }

  reset(): void {
    this.counts = { reads: 0, writes: 0, other: 0, byCommand: {} };
  }

  snapshot(): DynamoCounts {
    return { ...this.counts, byCommand: { ...this.counts.byCommand } };
  }
}
