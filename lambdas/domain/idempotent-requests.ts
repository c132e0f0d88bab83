import { IdempotencyKeyReusedError, isDomainError, KeyStateConflictError } from './errors';
import {
  IDEMPOTENCY_WINDOW_SECONDS,
  idempotencyRecordId,
  openOutcome,
  requestFingerprint,
  sealOutcome,
  type IdempotencyRecord,
  type IdempotentRequest,
} from './idempotency';
import type { Clock, KeyStore } from './key-store';

/** An outcome, and whether it is the answer of an earlier request with the same Idempotency-Key. */
export interface Replayable<T> {
  readonly outcome: T;
  readonly replayed: boolean;
}

/** What a write answers when another request with the same Idempotency-Key wrote its record first. */
export interface Replayed {
  readonly outcome: 'replayed';
}

/** Builds the record a write keeps with the key it makes; undefined when the request has no Idempotency-Key. */
export type Remember<T> = (outcome: T, now: Date) => IdempotencyRecord | undefined;

const isReplayed = (value: unknown): value is Replayed =>
  typeof value === 'object' && value !== null && (value as { outcome?: unknown }).outcome === 'replayed';

/**
 * Safe retries of the writes that make a key (POST /keys, POST /keys/{id}/rotate).
 * The key's secret exists only in the answer, so the first answer is kept,
 * sealed under a key derived from the Idempotency-Key that only the client
 * knows (idempotency.ts), in the same transaction as the key it describes,
 * for IDEMPOTENCY_WINDOW_SECONDS. A retry with the same key and the same
 * request answers it again; with another request, 422. Only a write that made
 * a key is kept: a refusal (limit, rate, validation) made nothing, and a retry
 * is judged afresh.
 */
export class IdempotentRequests {
  constructor(
    private readonly store: Pick<KeyStore, 'getIdempotencyRecord'>,
    private readonly clock: Clock,
  ) {}

  async run<T>(
    ownerId: string,
    idempotencyKey: string | undefined,
    request: IdempotentRequest,
    attempt: (remember: Remember<T>) => Promise<T | Replayed>,
  ): Promise<Replayable<T>> {
    if (idempotencyKey === undefined) {
      const result = await attempt(() => undefined);
      // Without a record, no write can answer `replayed`.
      if (isReplayed(result)) throw new Error('A write without an Idempotency-Key answered "replayed"');
      return { outcome: result, replayed: false };
    }
    const recordId = idempotencyRecordId(ownerId, idempotencyKey);
    const fingerprint = requestFingerprint(request);
    const replay = () => this.replay<T>(recordId, fingerprint, idempotencyKey, ownerId);
    const earlier = await replay();
    if (earlier !== undefined) return earlier;
    let result: T | Replayed;
    try {
      result = await attempt((outcome, now) => ({
        recordId,
        ownerId,
        fingerprint,
        sealed: sealOutcome(idempotencyKey, ownerId, outcome),
        createdAt: now.toISOString(),
        expiresAt: Math.floor(now.getTime() / 1000) + IDEMPOTENCY_WINDOW_SECONDS,
      }));
    } catch (error) {
      // A concurrent request with the same key may have made the key, and spent the room (limit, budget) this one
      // was refused for: DynamoDB need not name the record among a cancelled transaction's reasons. Its answer wins.
      if (!isDomainError(error)) throw error;
      const raced = await replay();
      if (raced !== undefined) return raced;
      throw error;
    }
    if (!isReplayed(result)) return { outcome: result, replayed: false };
    // A concurrent request with the same key wrote first, in its transaction with its key: answer that.
    const raced = await replay();
    if (raced !== undefined) return raced;
    throw new KeyStateConflictError('Another request with this Idempotency-Key is being answered; try again', 'CONCURRENT_CHANGE');
  }

  private async replay<T>(
    recordId: string,
    fingerprint: string,
    idempotencyKey: string,
    ownerId: string,
  ): Promise<Replayable<T> | undefined> {
    const record = await this.store.getIdempotencyRecord(recordId, this.clock());
    if (record === undefined) return undefined;
    if (record.fingerprint !== fingerprint) throw new IdempotencyKeyReusedError();
    return { outcome: openOutcome(idempotencyKey, ownerId, record.sealed) as T, replayed: true };
  }
}
