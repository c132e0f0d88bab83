import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { makeRoom } from '../domain/make-room';
import { describeError, type AppLogger } from '../observability/logger';
import { TABLE } from './table-schema';

export interface LastUsedRecorderOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly logger: AppLogger;
  /** At most one write per key per this many seconds (per instance, and by the write's condition, overall). */
  readonly intervalSeconds?: number;
  readonly maxTrackedKeys?: number;
}

/**
 * "Last used", off the request path: the authorizer calls `record` and does
 * not wait. Each instance writes a key at most once a minute, and the write's
 * condition skips it when any instance wrote in the last minute, so a hot key
 * never becomes a hot partition. A failed write is logged and forgotten.
 */
export class LastUsedRecorder {
  private readonly lastWrite = new Map<string, number>();
  private readonly intervalMs: number;
  private readonly maxTrackedKeys: number;

  constructor(private readonly options: LastUsedRecorderOptions) {
    this.intervalMs = (options.intervalSeconds ?? 60) * 1000;
    this.maxTrackedKeys = options.maxTrackedKeys ?? 10_000;
  }

  /** Returns the write it started, if any (tests await it; the authorizer does not). */
  record(keyId: string, now: Date): Promise<void> | undefined {
    const nowMs = now.getTime();
    const previous = this.lastWrite.get(keyId);
    if (previous !== undefined && nowMs - previous < this.intervalMs) return undefined;
    this.lastWrite.delete(keyId);
    makeRoom(this.lastWrite, this.maxTrackedKeys);
    this.lastWrite.set(keyId, nowMs);
    return this.write(keyId, now).catch((error: unknown) => {
      if ((error as Error).name !== 'ConditionalCheckFailedException') {
        this.options.logger.warn('last-used write failed', { keyId, ...describeError(error) });
      }
    });
  }

  private async write(keyId: string, now: Date): Promise<void> {
    await this.options.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: { [TABLE.partitionKey]: keyId },
        UpdateExpression: 'SET lastUsedAt = :now',
        // attribute_exists: never a stub item for a key that is gone; the role may not create one either (lib/table-access.ts).
        ConditionExpression: 'attribute_exists(#pk) AND (attribute_not_exists(lastUsedAt) OR lastUsedAt < :cutoff)',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
        ExpressionAttributeValues: {
          ':now': now.toISOString(),
          ':cutoff': new Date(now.getTime() - this.intervalMs).toISOString(),
        },
        // Said explicitly, though it is the default: the role may ask for nothing back.
        ReturnValues: 'NONE',
      }),
    );
  }
}
