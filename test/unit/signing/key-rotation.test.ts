import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { parseSigningKeySet, publicJwks, rotatedKeySet, type Jwks } from '../../../lambdas/domain/signing-keys';
import { createRotateSigningKeyHandler } from '../../../lambdas/handlers/rotate-signing-key';
import { KeyRotation, type RotationStep } from '../../../lambdas/signing/key-rotation';
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
});
