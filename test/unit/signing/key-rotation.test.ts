import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import {
  MAX_SIGNING_KEYS,
  parseSigningKeySet,
  publicJwks,
  rotatedKeySet,
  signingKeys,
  type Jwks,
} from '../../../lambdas/domain/signing-keys';
import { loadedTokenKeys, parseTokenKeySet, type TokenKeySet } from '../../../lambdas/domain/token-keys';
import { createRotateSigningKeyHandler } from '../../../lambdas/handlers/rotate-signing-key';
import {
  KeyRotation,
  MAX_CALLS_PER_STEP,
  PENDING_SET_MAX_AGE_MS,
  RotationError,
  type RotationStep,
} from '../../../lambdas/signing/key-rotation';
import { JWKS_READ_CACHE_MS } from '../../../lambdas/runtime/assertion-wiring';
import { JWKS_CACHE_CONTROL } from '../../../lambdas/handlers/jwks';
import { KEY_ACTIVATION_DELAY_MS } from '../../../lambdas/domain/signing-keys';
import { capturingLogger } from '../../support/local-system';

/**
 * The four steps against a fake Secrets Manager that keeps versions and
 * labels as the real one does (AWSCURRENT, AWSPENDING; AWSPREVIOUS moved by
 * UpdateSecretVersionStage), and an in-memory JWKS parameter.
 */
function fakeSecretsManager(initial: string | undefined) {
  const mock = mockClient(SecretsManagerClient);
  const versions = new Map<string, { value?: string; stages: string[] }>();
  if (initial !== undefined) versions.set('v0', { value: initial, stages: ['AWSCURRENT'] });
  const stagesOf = () => Object.fromEntries([...versions].map(([id, v]) => [id, [...v.stages]]));
  mock.on(DescribeSecretCommand).callsFake(() => ({ RotationEnabled: true, VersionIdsToStages: stagesOf() }));
  mock.on(GetSecretValueCommand).callsFake((input: { VersionId?: string; VersionStage?: string }) => {
    const found = [...versions].find(
      ([id, v]) =>
        (input.VersionId === undefined || id === input.VersionId) &&
        (input.VersionStage === undefined || v.stages.includes(input.VersionStage)),
    );
    if (found?.[1].value === undefined) throw new ResourceNotFoundException({ message: 'not found', $metadata: {} });
    return { SecretString: found[1].value, VersionId: found[0] };
  });
  mock.on(PutSecretValueCommand).callsFake((input: { ClientRequestToken: string; SecretString: string; VersionStages: string[] }) => {
    versions.set(input.ClientRequestToken, { value: input.SecretString, stages: input.VersionStages });
    return {};
  });
  mock.on(UpdateSecretVersionStageCommand).callsFake((input: { MoveToVersionId: string; RemoveFromVersionId?: string }) => {
    for (const version of versions.values()) version.stages = version.stages.filter((s) => s !== 'AWSPREVIOUS');
    const old = input.RemoveFromVersionId === undefined ? undefined : versions.get(input.RemoveFromVersionId);
    if (old !== undefined) old.stages = [...old.stages.filter((s) => s !== 'AWSCURRENT'), 'AWSPREVIOUS'];
    const next = versions.get(input.MoveToVersionId)!;
    next.stages = [...next.stages.filter((s) => s !== 'AWSPENDING'), 'AWSCURRENT'];
    return {};
  });
  /** What RotateSecret does before it invokes the function: a version for the token, labelled AWSPENDING. */
  const startRotation = (token: string) => versions.set(token, { stages: ['AWSPENDING'] });
  const current = () => [...versions.values()].find((v) => v.stages.includes('AWSCURRENT'))?.value;
  return { mock, startRotation, current, versions };
}

function fakeJwks() {
  let held: Jwks = { keys: [] };
  return {
    read: jest.fn(() => Promise.resolve(held)),
    write: jest.fn((jwks: Jwks) => {
      held = jwks;
      return Promise.resolve();
    }),
    held: () => held,
  };
}

const STEPS: RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

async function rotate(handler: (event: any) => Promise<void>, token: string, steps = STEPS) {
  for (const Step of steps) await handler({ SecretId: 'arn:secret', ClientRequestToken: token, Step });
}

describe('the signing key rotation (Secrets Manager protocol)', () => {
  it('first rotation: replaces the placeholder with a key, publishes its public half before making it current', async () => {
    const sm = fakeSecretsManager('random-placeholder-password');
    sm.startRotation('t1');
    const jwks = fakeJwks();
    const logger = capturingLogger();
    const handler = createRotateSigningKeyHandler(new KeyRotation({ secrets: new SecretsManagerClient({}), jwks, logger }));

    await rotate(handler, 't1', ['createSecret']);
    expect(sm.current()).toBe('random-placeholder-password'); // AWSPENDING only, so far
    await rotate(handler, 't1', ['setSecret']);
    const pending = parseSigningKeySet(sm.versions.get('t1')!.value);
    expect(jwks.held()).toEqual(publicJwks(pending));
    await rotate(handler, 't1', ['testSecret', 'finishSecret']);
    expect(sm.current()).toBe(sm.versions.get('t1')!.value);
    expect(sm.versions.get('v0')!.stages).toEqual(['AWSPREVIOUS']);
    // Key ids in the logs, never a private member.
    expect(logger.lines()).toContain(pending.keys[0]!.kid);
    expect(logger.lines()).not.toContain(pending.keys[0]!.d);
    sm.mock.restore();
  });

  it('a later rotation keeps the previous key in the set and in the JWKS (the overlap)', async () => {
    const first = rotatedKeySet(undefined, new Date());
    const sm = fakeSecretsManager(JSON.stringify(first));
    sm.startRotation('t2');
    const jwks = fakeJwks();
    await rotate(
      createRotateSigningKeyHandler(new KeyRotation({ secrets: new SecretsManagerClient({}), jwks, logger: capturingLogger() })),
      't2',
    );
    const now = parseSigningKeySet(sm.current());
    expect(now.keys.map((k) => k.kid)).toEqual([expect.any(String), first.keys[0]!.kid]);
    expect(jwks.held().keys.map((k) => k.kid)).toEqual(now.keys.map((k) => k.kid));
    sm.mock.restore();
  });

  it('two rotations ten minutes apart (a deploy, then one by hand) keep publishing the key warm authorizers sign with; a later one retires it', async () => {
    let now = Date.parse('2026-12-01T10:00:00.000Z');
    const first = rotatedKeySet(undefined, new Date(now - 30 * 86_400_000));
    const sm = fakeSecretsManager(JSON.stringify(first));
    const jwks = fakeJwks();
    const logger = capturingLogger();
    const handler = createRotateSigningKeyHandler(
      new KeyRotation({ secrets: new SecretsManagerClient({}), jwks, logger, clock: () => new Date(now) }),
    );
    sm.startRotation('deploy');
    await rotate(handler, 'deploy');
    now += 10 * 60_000;
    sm.startRotation('by-hand');
    await rotate(handler, 'by-hand');
    const afterTwo = parseSigningKeySet(sm.current());
    expect(afterTwo.keys).toHaveLength(3);
    expect(jwks.held().keys.map((k) => k.kid)).toContain(first.keys[0]!.kid);

    // The next scheduled rotation, 30 days on: the first key's successor has signed for far longer than RETIRED_KEY_KEPT_MS.
    now += 30 * 86_400_000;
    sm.startRotation('scheduled');
    await rotate(handler, 'scheduled');
    expect(jwks.held().keys.map((k) => k.kid)).not.toContain(first.keys[0]!.kid);
    expect(jwks.held().keys).toHaveLength(2);
    expect(logger.lines()).toContain(`"retired":["${afterTwo.keys[1]!.kid}","${afterTwo.keys[2]!.kid}"]`);
    sm.mock.restore();
  });

  it('each step is idempotent: a retried createSecret does not make a second key', async () => {
    const sm = fakeSecretsManager('placeholder');
    sm.startRotation('t3');
    const rotation = new KeyRotation({ secrets: new SecretsManagerClient({}), jwks: fakeJwks(), logger: capturingLogger() });
    await rotation.run({ SecretId: 's', ClientRequestToken: 't3', Step: 'createSecret' });
    const made = sm.versions.get('t3')!.value;
    await rotation.run({ SecretId: 's', ClientRequestToken: 't3', Step: 'createSecret' });
    expect(sm.versions.get('t3')!.value).toBe(made);
    expect(sm.mock.commandCalls(PutSecretValueCommand)).toHaveLength(1);
    sm.mock.restore();
  });

  it('testSecret fails, and the set never becomes current, when the JWKS did not get the new keys', async () => {
    const sm = fakeSecretsManager('placeholder');
    sm.startRotation('t4');
    const jwks = { read: () => Promise.resolve({ keys: [] }), write: () => Promise.resolve() };
    const rotation = new KeyRotation({ secrets: new SecretsManagerClient({}), jwks, logger: capturingLogger() });
    await rotation.run({ SecretId: 's', ClientRequestToken: 't4', Step: 'createSecret' });
    await rotation.run({ SecretId: 's', ClientRequestToken: 't4', Step: 'setSecret' });
    await expect(rotation.run({ SecretId: 's', ClientRequestToken: 't4', Step: 'testSecret' })).rejects.toThrow(
      /not in the published JWKS/,
    );
    expect(sm.current()).toBe('placeholder');
    sm.mock.restore();
  });

  it('refuses a stale token, a version not AWSPENDING, and an unknown step', async () => {
    const sm = fakeSecretsManager('placeholder');
    const rotation = new KeyRotation({ secrets: new SecretsManagerClient({}), jwks: fakeJwks(), logger: capturingLogger() });
    await expect(rotation.run({ SecretId: 's', ClientRequestToken: 'nope', Step: 'createSecret' })).rejects.toThrow(/no version/);
    sm.versions.set('odd', { value: 'x', stages: [] });
    await expect(rotation.run({ SecretId: 's', ClientRequestToken: 'odd', Step: 'setSecret' })).rejects.toThrow(/not AWSPENDING/);
    await expect(rotation.run({ SecretId: 's', ClientRequestToken: 'odd', Step: 'dropTables' as RotationStep })).rejects.toThrow(
      /unknown rotation step/,
    );
    sm.mock.restore();
  });

  it('createSecret fails (a RotationError, so the alarm fires) rather than drop a key in use when the set is full', async () => {
    const T = Date.parse('2026-12-01T10:00:00.000Z');
    let full = rotatedKeySet(undefined, new Date(T));
    for (let i = 1; i < MAX_SIGNING_KEYS; i += 1) full = rotatedKeySet(full, new Date(T + i * 60_000));
    const sm = fakeSecretsManager(JSON.stringify(full));
    sm.startRotation('t-full');
    const clock = () => new Date(T + MAX_SIGNING_KEYS * 60_000);
    const rotation = new KeyRotation({ secrets: new SecretsManagerClient({}), jwks: fakeJwks(), logger: capturingLogger(), clock });
    const step = rotation.run({ SecretId: 's', ClientRequestToken: 't-full', Step: 'createSecret' });
    await expect(step).rejects.toThrow(RotationError);
    await expect(step).rejects.toThrow(
      /^createSecret: 14 signing keys are still in use .* wait until \S+Z, when the oldest has retired, and rotate again$/,
    );
    expect(sm.mock.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(sm.current()).toBe(JSON.stringify(full));
    sm.mock.restore();
  });

  it('testSecret refuses a pending set made more than PENDING_SET_MAX_AGE_MS ago (a resumed rotation), pointing to the recovery', async () => {
    // The margin under the hour covers the JWKS's caches (its Cache-Control max-age, the function's read cache) and more.
    const maxAgeSeconds = Number(/max-age=(\d+)/.exec(JWKS_CACHE_CONTROL)![1]);
    expect(KEY_ACTIVATION_DELAY_MS - PENDING_SET_MAX_AGE_MS).toBeGreaterThan(maxAgeSeconds * 1000 + JWKS_READ_CACHE_MS);
    expect(PENDING_SET_MAX_AGE_MS).toBe(50 * 60_000);

    const T = Date.parse('2026-12-01T10:00:00.000Z');
    const previous = JSON.stringify(rotatedKeySet(undefined, new Date(T - 30 * 24 * 3_600_000)));
    let now = T;
    const sm = fakeSecretsManager(previous);
    const jwks = fakeJwks();
    const rotation = new KeyRotation({
      secrets: new SecretsManagerClient({}),
      jwks,
      logger: capturingLogger(),
      clock: () => new Date(now),
    });
    const run = (token: string, Step: RotationStep) => rotation.run({ SecretId: 's', ClientRequestToken: token, Step });

    sm.startRotation('late');
    await run('late', 'createSecret');
    await run('late', 'setSecret');
    now = T + PENDING_SET_MAX_AGE_MS + 1;
    const test = run('late', 'testSecret');
    await expect(test).rejects.toThrow(RotationError);
    await expect(test).rejects.toThrow(
      /^testSecret: the pending key set was made 51 minutes ago, more than 50: .*Remove its AWSPENDING label and rotate again \(README, "For backend authors": recover a stuck rotation\)$/,
    );
    expect(sm.current()).toBe(previous);

    // Just inside the bound it passes, and the rotation completes.
    sm.startRotation('prompt');
    now = T + 3_600_000;
    await run('prompt', 'createSecret');
    await run('prompt', 'setSecret');
    now += PENDING_SET_MAX_AGE_MS;
    await run('prompt', 'testSecret');
    await run('prompt', 'finishSecret');
    expect(sm.current()).not.toBe(previous);
    sm.mock.restore();
  });

  it(`makes at most MAX_CALLS_PER_STEP (${MAX_CALLS_PER_STEP}) AWS calls in a step, which the function's timeout is sized from`, async () => {
    const sm = fakeSecretsManager(JSON.stringify(rotatedKeySet(undefined, new Date(Date.now() - 30 * 24 * 3_600_000))));
    sm.startRotation('count');
    const jwks = fakeJwks();
    const tokenKeys = { write: jest.fn(() => Promise.resolve()) };
    const rotation = new KeyRotation({ secrets: new SecretsManagerClient({}), jwks, tokenKeys, logger: capturingLogger() });
    const calls: Record<string, number> = {};
    for (const Step of STEPS) {
      sm.mock.resetHistory();
      jwks.read.mockClear();
      jwks.write.mockClear();
      tokenKeys.write.mockClear();
      await rotation.run({ SecretId: 's', ClientRequestToken: 'count', Step });
      calls[Step] = sm.mock.calls().length + jwks.read.mock.calls.length + jwks.write.mock.calls.length + tokenKeys.write.mock.calls.length;
    }
    expect(calls).toEqual({ createSecret: 4, setSecret: 3, testSecret: 3, finishSecret: 4 });
    expect(Math.max(...Object.values(calls))).toBe(MAX_CALLS_PER_STEP);
    sm.mock.restore();
  });

  it('writes the new set’s access token MAC keys to their own secret once the set is current: the keys the authorizer derives', async () => {
    const sm = fakeSecretsManager(JSON.stringify(rotatedKeySet(undefined, new Date(Date.now() - 30 * 24 * 3_600_000))));
    sm.startRotation('mac');
    const written: TokenKeySet[] = [];
    const order: string[] = [];
    const tokenKeys = {
      write: (set: TokenKeySet) => {
        written.push(set);
        order.push(sm.current() === sm.versions.get('mac')!.value ? 'after the move' : 'before the move');
        return Promise.resolve();
      },
    };
    const rotation = new KeyRotation({ secrets: new SecretsManagerClient({}), jwks: fakeJwks(), tokenKeys, logger: capturingLogger() });
    for (const Step of STEPS) await rotation.run({ SecretId: 's', ClientRequestToken: 'mac', Step });
    expect(order).toEqual(['after the move']);
    const current = parseSigningKeySet(sm.current());
    expect(written[0]!.keys.map((key) => key.kid)).toEqual(current.keys.map((key) => key.kid));
    // What the token exchange loads from that secret keys the same MACs the authorizer derives from the signing keys.
    const exchanged = loadedTokenKeys(parseTokenKeySet(JSON.stringify(written[0])));
    const derived = signingKeys(current);
    for (const [i, key] of exchanged.entries()) {
      expect(key.macKey.export().equals(derived[i]!.macKey.export())).toBe(true);
      expect(key.activeFrom).toBe(derived[i]!.activeFrom);
    }
    // No private scalar of a signing key is in it.
    for (const key of current.keys) expect(JSON.stringify(written[0])).not.toContain(key.d);
    sm.mock.restore();
  });

  it('writes the MAC keys again when finishSecret is retried after the stage moved (the write is what failed)', async () => {
    const sm = fakeSecretsManager(JSON.stringify(rotatedKeySet(undefined, new Date(Date.now() - 30 * 24 * 3_600_000))));
    sm.startRotation('retry');
    let fail = true;
    const written: TokenKeySet[] = [];
    const tokenKeys = {
      write: (set: TokenKeySet) => {
        if (fail) return Promise.reject(new Error('ThrottlingException'));
        written.push(set);
        return Promise.resolve();
      },
    };
    const rotation = new KeyRotation({ secrets: new SecretsManagerClient({}), jwks: fakeJwks(), tokenKeys, logger: capturingLogger() });
    for (const Step of STEPS.slice(0, 3)) await rotation.run({ SecretId: 's', ClientRequestToken: 'retry', Step });
    await expect(rotation.run({ SecretId: 's', ClientRequestToken: 'retry', Step: 'finishSecret' })).rejects.toThrow('ThrottlingException');
    // The set is current already; the token exchange still has the previous MAC keys, whose keys that set holds.
    expect(sm.current()).toBe(sm.versions.get('retry')!.value);
    fail = false;
    await rotation.run({ SecretId: 's', ClientRequestToken: 'retry', Step: 'finishSecret' });
    expect(written[0]!.keys.map((key) => key.kid)).toEqual(parseSigningKeySet(sm.current()).keys.map((key) => key.kid));
    sm.mock.restore();
  });
});
