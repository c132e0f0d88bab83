import { createHash } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StoredKey } from '../../lambdas/domain/api-key';
import { KeyFormat } from '../../lambdas/domain/key-format';
import { NO_ROUTE_SCOPES } from '../../lambdas/domain/route-scopes';
import { hashSecret } from '../../lambdas/domain/secret-hash';
import { createSecretScanningHandler } from '../../lambdas/handlers/secret-scanning';
import type { HttpResponse } from '../../lambdas/http/responses';
import type { KeyConfig } from '../../lambdas/runtime/config';
import { secretScanningDependencies } from '../../lambdas/runtime/secret-scanning-wiring';
import { DynamoKeyStore } from '../../lambdas/store/key-repository';
import { freshTable } from '../support/dynamodb';
import { FakeGitHub } from '../support/fake-github';
import { storedTestKey, testEvent, testKeyPolicy } from '../support/key-policy';

const format = new KeyFormat('uak');
const LEAK_URL = 'https://github.com/octocat/Hello-World/blob/0123abc/.env';
const json = (response: HttpResponse): any => JSON.parse(response.body ?? '');
const logger = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };

describe('GitHub secret scanning alerts against DynamoDB Local', () => {
  let client: DynamoDBDocumentClient;
  let tableName: string;
  let store: DynamoKeyStore;
  let github: FakeGitHub;
  let handler: ReturnType<typeof createSecretScanningHandler>;

  beforeAll(async () => {
    ({ client, tableName } = await freshTable());
    store = new DynamoKeyStore({ client, tableName });
    github = await FakeGitHub.start();
    // As deployed, but for the keys URL: the wiring the local system uses.
    const keys: KeyConfig = { tableName, keyPrefix: 'uak', policy: testKeyPolicy(), routeScopes: NO_ROUTE_SCOPES };
    handler = createSecretScanningHandler(secretScanningDependencies({ client, keys, logger, keysUrl: github.url }));
  });
  afterAll(async () => {
    await github.stop();
    client.destroy();
  });

  /** A key made as POST /keys makes one (its owner's slot taken), and the whole key that leaks. */
  async function createKey(ownerId: string, limit = 20): Promise<{ token: string; stored: StoredKey }> {
    const generated = format.generate();
    // Real time: DynamoDB Local runs TTL deletion.
    const now = new Date();
    const stored = storedTestKey(ownerId, now, { keyId: generated.keyId, secretHash: hashSecret(generated.secret) });
    expect(await store.insertKey(stored, limit, now, testEvent(stored, 'create', now))).toEqual({ outcome: 'written' });
    return { token: generated.key, stored };
  }

  const alert = (token: string) => github.alert([{ token, type: 'user_api_key', url: LEAK_URL, source: 'commit' }]).event;
  const leakEvents = async (keyId: string) =>
    (await store.listEvents(keyId, { limit: 100 })).events.filter((event) => event.type === 'leak_revoke');

  it('revokes a leaked key in one request, says why, and releases its owner’s slot', async () => {
    const owner = 'auth0|leaky';
    const { token, stored } = await createKey(owner, 1);
    // At the limit of one: another key is refused while the leaked one is live.
    const blocked = storedTestKey(owner, new Date());
    expect((await store.insertKey(blocked, 1, new Date(), testEvent(blocked))).outcome).toBe('limit-reached');

    const response = await handler(alert(token));

    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual([
      { token_hash: createHash('sha256').update(token).digest('hex'), token_type: 'user_api_key', label: 'true_positive' },
    ]);
    const after = await store.getKey(stored.keyId);
    expect(after?.revokedAt).toBeDefined();
    expect(after?.revocation).toEqual({ cause: 'leaked', url: LEAK_URL, source: 'commit' });
    const events = await leakEvents(stored.keyId);
    expect(events).toEqual([expect.objectContaining({ actor: 'github:secret-scanning', details: { url: LEAK_URL, source: 'commit' } })]);
    expect(JSON.stringify(events)).not.toContain(token);
    // The slot is free again.
    const next = storedTestKey(owner, new Date());
    expect(await store.insertKey(next, 1, new Date(), testEvent(next))).toEqual({ outcome: 'written' });
  });

  it('writes the event once under two concurrent identical alerts, and answers a repeat false_positive', async () => {
    const { token, stored } = await createKey('auth0|twice');
    const event = alert(token);
    const [first, second] = await Promise.all([handler(event), handler(event)]);
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    const labels = [json(first)[0].label, json(second)[0].label].sort();
    expect(labels).toEqual(['false_positive', 'true_positive']);
    expect(await leakEvents(stored.keyId)).toHaveLength(1);

    expect(json(await handler(event))[0].label).toBe('false_positive');
    expect(await leakEvents(stored.keyId)).toHaveLength(1);
  });

  it('revokes nothing for a forged token that carries a real key id', async () => {
    const { stored } = await createKey('auth0|forged');
    const forged = format.format(stored.keyId, format.generate().secret);
    expect(json(await handler(alert(forged)))[0].label).toBe('false_positive');
    expect((await store.getKey(stored.keyId))?.revokedAt).toBeUndefined();
    expect(await leakEvents(stored.keyId)).toEqual([]);
  });
});
