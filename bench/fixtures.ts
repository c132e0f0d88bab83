import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type BatchWriteCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { StoredKey } from '../lambdas/domain/api-key';
import { KeyFormat } from '../lambdas/domain/key-format';
import { hashSecret } from '../lambdas/domain/secret-hash';
import { toItem } from '../lambdas/store/item-mapping';
import { seededRandom } from '../test/support/seeded-random';
import { itemAt } from './arrays';

export const PROJECT_ROOT = join(__dirname, '..');
export const KEY_PREFIX = 'uak';
export const FORMAT = new KeyFormat(KEY_PREFIX);

type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function randomBase62(random: () => number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += BASE62.charAt(Math.floor(random() * 62));
  return out;
}

export interface BenchKey {
  /** The whole key, as its owner would send it. */
  readonly key: string;
  readonly stored: StoredKey;
}

/**
 * A real key in the project's format (prefix, 22-character id, 43-character
 * secret, CRC32 checksum) and the item the store would hold for it: only the
 * secret's SHA-256, as lambdas/store/item-mapping.ts writes it.
 */
export function makeKey(random: () => number, index: number, nowMs: number): BenchKey {
  const keyId = randomBase62(random, 22);
  const secret = randomBase62(random, 43);
  return {
    key: FORMAT.format(keyId, secret),
    stored: {
      keyId,
      ownerId: `auth0|bench-user-${index % 997}`,
      secretHash: hashSecret(secret),
      name: `bench key ${index}`,
      scopes: ['read:orders', 'write:orders'],
      createdAt: new Date(nowMs - 86_400_000 + index).toISOString(),
      // Spread over a year, as keys made on different days expire on different days (the expiry index's partitions).
      expiresAt: Math.floor(nowMs / 1000) + (30 + (index % 365)) * 86_400,
    },
  };
}

export function makeKeys(seed: number, count: number, nowMs: number): BenchKey[] {
  return [...keyStream(seed, count, nowMs)];
}

/** The keys makeKeys would return, one at a time: a million of them need not be in memory at once. */
export function* keyStream(seed: number, count: number, nowMs: number): Generator<BenchKey> {
  const random = seededRandom(seed);
  for (let i = 0; i < count; i += 1) yield makeKey(random, i, nowMs);
}

let eventTemplate: APIGatewayRequestAuthorizerEventV2 | undefined;

/** An HTTP API (payload 2.0) authorizer event carrying this Authorization header, as API Gateway sends it. */
export function authorizerEvent(authorization: string): APIGatewayRequestAuthorizerEventV2 {
  eventTemplate ??= JSON.parse(
    readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'authorizer-event.json'), 'utf8'),
  ) as APIGatewayRequestAuthorizerEventV2;
  const event = structuredClone(eventTemplate);
  event.headers = { ...event.headers, authorization };
  event.identitySource = [authorization];
  return event;
}

/**
 * Puts key items straight into the table with BatchWriteItem (25 per call,
 * `concurrency` calls in flight, unprocessed items retried): the item format
 * of toItem, as the create-key path writes it (owner items are not needed to
 * verify). Keys are drawn from `keys` as the calls go, so a generator can
 * feed a million without holding them.
 */
export async function seedKeys(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: Iterable<StoredKey>,
  concurrency = 8,
): Promise<number> {
  const source = keys[Symbol.iterator]();
  let written = 0;
  const nextBatch = (): WriteRequest[] => {
    const batch: WriteRequest[] = [];
    while (batch.length < 25) {
      const next = source.next();
      if (next.done === true) break;
      batch.push({ PutRequest: { Item: toItem(next.value) } });
    }
    return batch;
  };
  const worker = async (): Promise<void> => {
    for (let batch = nextBatch(); batch.length > 0; batch = nextBatch()) {
      let requests: WriteRequest[] | undefined = batch;
      for (let attempt = 0; requests !== undefined && requests.length > 0; attempt += 1) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 10 * 2 ** attempt)));
        if (attempt > 10) throw new Error('BatchWriteItem kept leaving items unprocessed');
        const result: BatchWriteCommandOutput = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
        requests = result.UnprocessedItems?.[tableName];
      }
      written += batch.length;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return written;
}

/** Authorization headers that are not keys at all: random strings of every kind. */
export function garbageHeaders(seed: number, count: number): string[] {
  const random = seededRandom(seed);
  const printable = (length: number) => Array.from({ length }, () => String.fromCharCode(33 + Math.floor(random() * 94))).join('');
  const keyLength = KEY_PREFIX.length + 2 + 22 + 43 + 6;
  const kinds = [
    // The right prefix and shape, random content: passes the pattern, fails the checksum.
    () => `Bearer ${KEY_PREFIX}_${randomBase62(random, 22)}_${randomBase62(random, 49)}`,
    // Random base62 of a key's length.
    () => `Bearer ${randomBase62(random, keyLength)}`,
    // Random printable junk of any length.
    () => `Bearer ${printable(1 + Math.floor(random() * 120))}`,
    // Another vendor's key.
    () => `Bearer sk_live_${randomBase62(random, 48)}`,
    // A JWT-looking token.
    () => `Bearer eyJ${randomBase62(random, 30)}.eyJ${randomBase62(random, 80)}.${randomBase62(random, 43)}`,
    // Basic credentials that decode to junk.
    () => `Basic ${Buffer.from(`${randomBase62(random, 22)}:${printable(40)}`).toString('base64')}`,
    // Not even a scheme.
    () => printable(1 + Math.floor(random() * 80)),
  ];
  return Array.from({ length: count }, (_, i) => itemAt(kinds, i % kinds.length)());
}

/** Valid keys with exactly one character changed (prefix, id, secret or checksum), as a typo would. */
export function mistypedHeaders(seed: number, keys: readonly string[], count: number): string[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const key = itemAt(keys, i % keys.length);
    const position = Math.floor(random() * key.length);
    const original = key.charAt(position);
    let replacement = original === '_' ? '-' : original;
    while (replacement === original) replacement = BASE62.charAt(Math.floor(random() * 62));
    return `Bearer ${key.slice(0, position)}${replacement}${key.slice(position + 1)}`;
  });
}
