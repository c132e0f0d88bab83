import type { KeyView } from './api-key';
import { toKeyView } from './api-key';
import { parseCreateKeyRequest } from './create-key-request';
import { parseListKeysRequest } from './list-keys-request';
import { KeyNotFoundError } from './errors';
import type { KeyFormat } from './key-format';
import { isWellFormedKeyId } from './key-format';
import type { KeyPolicy } from './key-policy';
import { hashSecret } from './secret-hash';
import type { Clock, KeyStore } from './key-store';
import { systemClock } from './key-store';

export interface CreatedKey {
  readonly id: string;
  /** The full key: returned once, here, and never stored. */
  readonly key: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly createdAt: string;
  readonly expiresAt: string;
}

export interface KeyServiceOptions {
  readonly store: KeyStore;
  readonly format: KeyFormat;
  readonly policy: KeyPolicy;
  readonly clock?: Clock;
}

/** What a key owner can do with their keys. The owner always comes from a verified token. */
export class KeyService {
  private readonly store: KeyStore;
  private readonly format: KeyFormat;
  private readonly policy: KeyPolicy;
  private readonly clock: Clock;

  constructor(options: KeyServiceOptions) {
    this.store = options.store;
    this.format = options.format;
    this.policy = options.policy;
    this.clock = options.clock ?? systemClock;
  }

  async create(ownerId: string, body: unknown): Promise<CreatedKey> {
    const now = this.clock();
    const request = parseCreateKeyRequest(body, this.policy, now);
    const generated = this.format.generate();
    const createdAt = now.toISOString();
    await this.store.insertKey(
      {
        keyId: generated.keyId,
        ownerId,
        secretHash: hashSecret(generated.secret),
        name: request.name,
        scopes: request.scopes,
        createdAt,
        expiresAt: request.expiresAt,
      },
      this.policy.maxKeysPerUser,
      now,
    );
    return {
      id: generated.keyId,
      key: generated.key,
      name: request.name,
      scopes: request.scopes,
      createdAt,
      expiresAt: new Date(request.expiresAt * 1000).toISOString(),
    };
  }

  /** One page of the owner's keys; `query` is `GET /keys`' query string. */
  async list(
    ownerId: string,
    query?: Readonly<Record<string, string | undefined>>,
  ): Promise<{ keys: KeyView[]; nextCursor?: string }> {
    const page = await this.store.listKeys(ownerId, parseListKeysRequest(query));
    const now = this.clock();
    const keys = page.keys.map((key) => toKeyView(key, now));
    return page.nextCursor === undefined ? { keys } : { keys, nextCursor: page.nextCursor };
  }

  /** Another owner's key is reported exactly like a missing one: no existence leak. */
  async get(ownerId: string, keyId: string): Promise<KeyView> {
    const key = isWellFormedKeyId(keyId) ? await this.store.getKey(keyId) : undefined;
    if (key === undefined || key.ownerId !== ownerId) {
      throw new KeyNotFoundError(keyId);
    }
    const { secretHash: _hidden, ...summary } = key;
    return toKeyView(summary, this.clock());
  }

  /** Idempotent for the owner: revoking a revoked key succeeds again. */
  async revoke(ownerId: string, keyId: string): Promise<void> {
    const outcome = isWellFormedKeyId(keyId) ? await this.store.revokeKey(ownerId, keyId, this.clock()) : 'not-found';
    if (outcome === 'not-found') {
      throw new KeyNotFoundError(keyId);
    }
  }
}
