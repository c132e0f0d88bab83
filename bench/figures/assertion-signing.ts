/**
 * Figure 10: what the identity assertion (x-api-key-assertion) costs the
 * authorizer. Signing is in-process (ES256 over node:crypto, the key loaded
 * once), so it adds no I/O; it happens once per fresh verdict. Five ops in one
 * interleaved group: figure 1's cached allow without and with assertions (the
 * cached one carries the assertion signed when it was cached), the no-I/O
 * verification (figure 1's in-memory store, no cache) without and with, which
 * is what every request pays with caching off, and one signature alone.
 */
import type { StoredKey } from '../../lambdas/domain/api-key';
import { AssertionIssuer } from '../../lambdas/domain/assertion-signer';
import { KeyVerifier } from '../../lambdas/domain/key-verifier';
import { activeKey, rotatedKeySet, signingKeys } from '../../lambdas/domain/signing-keys';
import { createAuthorizerHandler } from '../../lambdas/handlers/authorizer';
import type { AppLogger } from '../../lambdas/observability/logger';
import { itemAt } from '../arrays';
import { expectVerdict, type AuthorizerFactory } from '../authorizers';
import { authorizerEvent, FORMAT, type BenchKey } from '../fixtures';
import type { Progress } from '../output';
import { FIGURE1_CACHE_TTL_SECONDS, type Plan } from '../plan';
import type { Figure10 } from '../results';
import { microGroup, ratioSummary, type MicroResult } from '../stats';

export interface AssertionSigningInput {
  readonly authorizers: AuthorizerFactory;
  readonly tableName: string;
  readonly keys: readonly BenchKey[];
  readonly logger: AppLogger;
  readonly plan: Pick<Plan, 'micro'>;
  readonly progress: Progress;
}

export async function measureAssertionSigning(input: AssertionSigningInput): Promise<Figure10> {
  const { authorizers, tableName, keys, plan, progress } = input;
  const signingKey = activeKey(signingKeys(rotatedKeySet(undefined, new Date())), Date.now());
  const issuer = new AssertionIssuer({
    issuer: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
    audience: 'https://internal.example.com',
    lifetimeSeconds: 120,
    key: () => Promise.resolve(signingKey),
  });

  const plain = authorizers(tableName, { verdictCacheTtlSeconds: FIGURE1_CACHE_TTL_SECONDS });
  const signed = authorizers(tableName, { verdictCacheTtlSeconds: FIGURE1_CACHE_TTL_SECONDS, assertions: issuer });
  const cachedKeys = keys.slice(0, 64);
  const events = Array.from({ length: 256 }, (_, i) => authorizerEvent(`Bearer ${itemAt(cachedKeys, i % cachedKeys.length).key}`));
  for (const event of events) {
    await expectVerdict(plain, event, true);
    await expectVerdict(signed, event, true);
  }
  const sample = await signed(itemAt(events, 0));
  const assertion = (sample.context as { assertion?: string }).assertion;
  if (assertion === undefined) throw new Error('the signing authorizer returned no assertion');

  const inMemory = new Map(keys.map((k) => [k.stored.keyId, k.stored] as const));
  const store = { getKey: (keyId: string): Promise<StoredKey | undefined> => Promise.resolve(inMemory.get(keyId)) };
  const noIo = createAuthorizerHandler({ verifier: new KeyVerifier({ store, format: FORMAT }), logger: input.logger });
  const noIoSigned = createAuthorizerHandler({
    verifier: new KeyVerifier({ store, format: FORMAT, assertions: issuer }),
    logger: input.logger,
    requireAssertion: true,
  });
  for (const event of events.slice(0, 16)) await expectVerdict(noIoSigned, event, true);
  const subject = { sub: 'auth0|alice', keyId: 'k3hF9k2LmQpX7rT1wZbYcQ', scopes: ['read'] };

  progress(`figure 10: the identity assertion (${plan.micro.rounds} rounds)`);
  const micro = await microGroup(
    [
      { name: 'cachedWithout', async: true, run: (i) => plain(itemAt(events, i & 255)) },
      { name: 'cachedWith', async: true, run: (i) => signed(itemAt(events, i & 255)) },
      { name: 'uncachedWithout', async: true, run: (i) => noIo(itemAt(events, i & 255)) },
      { name: 'uncachedWith', async: true, run: (i) => noIoSigned(itemAt(events, i & 255)) },
      { name: 'signOnce', async: true, run: () => issuer.issue(subject) },
    ],
    plan.micro,
  );
  const result = (name: string): MicroResult => {
    const found = micro.get(name);
    if (found === undefined) throw new Error(`no micro-benchmark result for ${name}`);
    return found;
  };
  return {
    cachedWithoutNs: result('cachedWithout').perCallNs,
    cachedWithNs: result('cachedWith').perCallNs,
    cachedRatio: ratioSummary(result('cachedWith'), result('cachedWithout')),
    uncachedWithoutNs: result('uncachedWithout').perCallNs,
    uncachedWithNs: result('uncachedWith').perCallNs,
    signNs: result('signOnce').perCallNs,
    assertionBytes: Buffer.byteLength(assertion),
    batchSizes: Object.fromEntries([...micro].map(([name, r]) => [name, r.batch])),
  };
}
