/**
 * Figures 1, 3 and 4, measured in one interleaved micro-benchmark group so a
 * slow spell of the machine weighs on every op alike and the ratios between
 * them (per round) stay fair: the warm authorizer with its verdict cache
 * (figure 1, against one bare SHA-256 as the floor), rejections of garbage and
 * mistyped keys (figure 3), and an Auth0 JWT check (figure 4).
 */
import { itemAt } from '../arrays';
import * as nodeCrypto from 'node:crypto';
import { createHash } from 'node:crypto';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import type { StoredKey } from '../../lambdas/domain/api-key';
import { AccessTokens } from '../../lambdas/domain/access-token';
import { KeyVerifier } from '../../lambdas/domain/key-verifier';
import { rotatedKeySet, signingKeys } from '../../lambdas/domain/signing-keys';
import { readPresentedKey } from '../../lambdas/domain/verdict';
import { createAuthorizerHandler } from '../../lambdas/handlers/authorizer';
import type { AppLogger } from '../../lambdas/observability/logger';
import { expectVerdict, sleep, type AuthorizerFactory, type Handler } from '../authorizers';
import type { DynamoCounter } from '../dynamo-counter';
import { authorizerEvent, FORMAT, garbageHeaders, mistypedHeaders, type BenchKey } from '../fixtures';
import type { Progress } from '../output';
import { FIGURE1_CACHE_TTL_SECONDS, type Plan } from '../plan';
import type { Figure3, Figure4, InProcessFigure1, VerdictCacheCheck } from '../results';
import { microGroup, ratioSummary, type MicroOp, type MicroResult } from '../stats';
import { auth0Token, MODULUS_BITS } from './auth0-token';

export interface VerdictCostInput {
  readonly authorizers: AuthorizerFactory;
  readonly counter: DynamoCounter;
  /** The small table and its keys. */
  readonly tableName: string;
  readonly keys: readonly BenchKey[];
  /** The run's logger, for the handler over an in-memory store. */
  readonly logger: AppLogger;
  readonly plan: Pick<Plan, 'micro' | 'rejectionCountPass'>;
  readonly nowMs: number;
  readonly progress: Progress;
}

export interface VerdictCostResult {
  readonly verdictCache: VerdictCacheCheck;
  readonly figure1: InProcessFigure1;
  readonly figure3: Figure3;
  readonly figure4: Figure4;
}

/** crypto.hash exists from Node 20.12; on older Nodes fall back to createHash so the op still runs. */
const oneShotHash: (algorithm: string, data: string, encoding: 'hex') => string =
  (nodeCrypto as unknown as { hash?: (a: string, d: string, e: 'hex') => string }).hash ??
  ((algorithm, data, encoding) => createHash(algorithm).update(data).digest(encoding));

/** A logger that does nothing at all, to show what the (silenced) Powertools calls cost. */
const noopLogger: AppLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export async function measureVerdictCost(input: VerdictCostInput): Promise<VerdictCostResult> {
  const { authorizers, counter, tableName, keys, plan, progress } = input;
  const cached = authorizers(tableName, { verdictCacheTtlSeconds: FIGURE1_CACHE_TTL_SECONDS });
  const verdictCache = await checkVerdictCache(cached, counter, itemAt(keys, 0), progress);

  // Pools of events, distinct objects (as each invocation gets its own), cycled through.
  const cachedKeys = keys.slice(0, 64);
  const cachedEvents = Array.from({ length: 256 }, (_, i) => authorizerEvent(`Bearer ${itemAt(cachedKeys, i % cachedKeys.length).key}`));
  const authorizations = cachedEvents.map((event) => event.headers?.authorization ?? '');
  for (const event of cachedEvents) await expectVerdict(cached, event, true);
  const cachedNoopLogger = authorizers(tableName, { verdictCacheTtlSeconds: FIGURE1_CACHE_TTL_SECONDS, logger: noopLogger });
  for (const event of cachedEvents) await expectVerdict(cachedNoopLogger, event, true);

  // The same handler with no cache over a zero-latency store: the CPU cost of a verification with the read taken out.
  const inMemory = new Map(keys.map((k) => [k.stored.keyId, k.stored] as const));
  const noIo = createAuthorizerHandler({
    verifier: new KeyVerifier({
      store: { getKey: (keyId: string): Promise<StoredKey | undefined> => Promise.resolve(inMemory.get(keyId)) },
      format: FORMAT,
    }),
    logger: input.logger,
  });

  // Access tokens for the same keys (POST /oauth/token), checked with the same in-memory key set's MAC key.
  const signingKey = itemAt(signingKeys(rotatedKeySet(undefined, new Date(input.nowMs))), 0);
  const tokenKeys = { current: () => Promise.resolve(signingKey), byKid: () => Promise.resolve(signingKey) };
  const tokens = new AccessTokens(FORMAT.prefix, tokenKeys);
  const tokenEvents = await Promise.all(
    cachedEvents.map(async (_, i) => {
      const { stored } = itemAt(cachedKeys, i % cachedKeys.length);
      const token = await tokens.mint({ keyId: stored.keyId, scopes: stored.scopes, expiresAt: stored.expiresAt });
      return authorizerEvent(`Bearer ${token}`);
    }),
  );
  const cachedTokens = authorizers(tableName, { verdictCacheTtlSeconds: FIGURE1_CACHE_TTL_SECONDS, tokenKeys });
  for (const event of tokenEvents) await expectVerdict(cachedTokens, event, true);
  const noIoTokens = createAuthorizerHandler({
    verifier: new KeyVerifier({
      store: { getKey: (keyId: string): Promise<StoredKey | undefined> => Promise.resolve(inMemory.get(keyId)) },
      format: FORMAT,
      tokens,
    }),
    logger: input.logger,
  });
  for (const event of tokenEvents.slice(0, 4)) await expectVerdict(noIoTokens, event, true);

  const garbage = garbageHeaders(3, 1024).map(authorizerEvent);
  const mistyped = mistypedHeaders(
    4,
    keys.map((k) => k.key),
    1024,
  ).map(authorizerEvent);
  for (const event of [...garbage, ...mistyped]) await expectVerdict(cached, event, false);

  progress('making an Auth0-shaped RS256 access token and its JWKS');
  const jwt = await auth0Token(input.nowMs);

  progress(`figures 1, 3, 4: micro-benchmarks (${plan.micro.rounds} rounds)`);
  const shaInput = itemAt(keys, 0).key;
  let sink = 0;
  const ops: MicroOp[] = [
    {
      // The floor: the standard API, hex out, as lambdas/domain/secret-hash.ts hashes secrets.
      name: 'sha256',
      async: false,
      run: () => {
        sink ^= createHash('sha256').update(shaInput).digest('hex').charCodeAt(0);
      },
    },
    {
      // Node's one-shot crypto.hash (20.12+), cheaper still: for reference only.
      name: 'sha256OneShot',
      async: false,
      run: () => {
        sink ^= oneShotHash('sha256', shaInput, 'hex').charCodeAt(0);
      },
    },
    { name: 'authorizerCached', async: true, run: (i) => cached(itemAt(cachedEvents, i & 255)) },
    { name: 'authorizerNoCacheNoIo', async: true, run: (i) => noIo(itemAt(cachedEvents, i & 255)) },
    { name: 'tokenCached', async: true, run: (i) => cachedTokens(itemAt(tokenEvents, i & 255)) },
    { name: 'tokenNoCacheNoIo', async: true, run: (i) => noIoTokens(itemAt(tokenEvents, i & 255)) },
    // Where figure 1's time goes: parsing the header, hashing it for the cache key, and the logger's calls.
    { name: 'parseHeader', async: false, run: (i) => readPresentedKey(itemAt(authorizations, i & 255), FORMAT) },
    {
      name: 'cacheKeySha256',
      async: false,
      run: (i) =>
        createHash('sha256')
          .update(itemAt(authorizations, i & 255))
          .digest('base64'),
    },
    { name: 'authorizerCachedNoopLogger', async: true, run: (i) => cachedNoopLogger(itemAt(cachedEvents, i & 255)) },
    { name: 'garbage', async: true, run: (i) => cached(itemAt(garbage, i & 1023)) },
    { name: 'mistyped', async: true, run: (i) => cached(itemAt(mistyped, i & 1023)) },
    { name: 'jwt', async: true, run: () => jwt.verify() },
  ];
  counter.reset();
  const micro = await microGroup(ops, plan.micro);
  const microCounts = counter.snapshot();
  const result = (name: string): MicroResult => {
    const found = micro.get(name);
    if (found === undefined) throw new Error(`no micro-benchmark result for ${name}`);
    return found;
  };

  const countPass = await countRejectionCalls(cached, counter, garbage, mistyped, plan.rejectionCountPass, progress);
  if (sink === -1) progress(''); // keeps the SHA-256 results alive

  return {
    verdictCache,
    figure1: {
      authorizerCachedNs: result('authorizerCached').perCallNs,
      sha256Ns: result('sha256').perCallNs,
      sha256OneShotNs: result('sha256OneShot').perCallNs,
      ratioToSha256: ratioSummary(result('authorizerCached'), result('sha256')),
      authorizerNoCacheNoIoNs: result('authorizerNoCacheNoIo').perCallNs,
      token: {
        cachedNs: result('tokenCached').perCallNs,
        noCacheNoIoNs: result('tokenNoCacheNoIo').perCallNs,
        bytes: (itemAt(tokenEvents, 0).headers?.authorization ?? '').length - 'Bearer '.length,
      },
      breakdown: {
        parseHeaderNs: result('parseHeader').perCallNs,
        cacheKeySha256Ns: result('cacheKeySha256').perCallNs,
        authorizerCachedNoopLoggerNs: result('authorizerCachedNoopLogger').perCallNs,
      },
      cachedKeys: cachedKeys.length,
      dynamoDbDuringSamples: microCounts,
      batchSizes: Object.fromEntries([...micro].map(([name, r]) => [name, r.batch])),
    },
    figure3: { garbageNs: result('garbage').perCallNs, mistypedNs: result('mistyped').perCallNs, countPass },
    figure4: {
      jwtVerifyNs: result('jwt').perCallNs,
      ratioToFigure1: ratioSummary(result('jwt'), result('authorizerCached')),
      token: { bytes: jwt.token.length, header: jwt.header, claims: jwt.claims, jwksKeys: jwt.jwksKeys, modulusBits: MODULUS_BITS },
    },
  };
}

/** The cache on, and proof that it is: one read on a first call, none on a repeat with a fresh event. */
async function checkVerdictCache(cached: Handler, counter: DynamoCounter, key: BenchKey, progress: Progress): Promise<VerdictCacheCheck> {
  counter.reset();
  await expectVerdict(cached, authorizerEvent(`Bearer ${key.key}`), true);
  const readsOnFirstCall = counter.snapshot().reads;
  counter.reset();
  await expectVerdict(cached, authorizerEvent(`Bearer ${key.key}`), true);
  const readsOnRepeatCall = counter.snapshot().reads;
  const status = readsOnFirstCall === 1 && readsOnRepeatCall === 0 ? 'active' : 'absent';
  progress(`verdict cache in lambdas/: ${status} (reads: first call ${readsOnFirstCall}, repeat ${readsOnRepeatCall})`);
  return { status, ttlSecondsFigure1: FIGURE1_CACHE_TTL_SECONDS, readsOnFirstCall, readsOnRepeatCall };
}

/** Figure 3's DynamoDB count, on its own so nothing else can hide in it. */
async function countRejectionCalls(
  cached: Handler,
  counter: DynamoCounter,
  garbage: readonly APIGatewayRequestAuthorizerEventV2[],
  mistyped: readonly APIGatewayRequestAuthorizerEventV2[],
  rejections: number,
  progress: Progress,
): Promise<Figure3['countPass']> {
  progress(`figure 3: counting DynamoDB calls over ${rejections} rejections`);
  counter.reset();
  let allRefused = true;
  for (let i = 0; i < rejections; i += 1) {
    const event = i % 2 === 0 ? itemAt(garbage, (i >> 1) & 1023) : itemAt(mistyped, (i >> 1) & 1023);
    if ((await cached(event)).isAuthorized) allRefused = false;
  }
  await sleep(50);
  return { rejections, allRefused, dynamoDb: counter.snapshot() };
}
