import { createPublicKey, sign, verify } from 'node:crypto';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  KEY_ACTIVATION_DELAY_MS,
  parseSigningKeySet,
  publicJwks,
  rotatedKeySet,
  signingKeys,
  SigningKeySetError,
  SigningKeySetFullError,
  type SigningKeySet,
} from '../domain/signing-keys';
import type { AppLogger } from '../observability/logger';
import { tokenKeySetOf } from '../domain/token-keys';
import type { JwksParameter } from './jwks-parameter';
import type { TokenKeySecret } from './token-key-secret';
import { CURRENT } from './secret-key-source';

/**
 * The Secrets Manager rotation protocol for the signing keys, one method per
 * step (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html):
 *
 * - createSecret: a new key set (a new key, then every current key an authorizer may still sign with) as AWSPENDING
 * - setSecret:    the "service" here is the published JWKS: the pending set's public keys go to the SSM parameter
 * - testSecret:   each pending key signs and verifies, and the JWKS parameter publishes every one of them
 * - finishSecret: AWSCURRENT moves to the pending version (Secrets Manager moves AWSPREVIOUS itself), then
 *                 the set's access token MAC keys go to their own secret
 *
 * The JWKS is published before AWSCURRENT moves, and a new key signs only an
 * hour after it is made (KEY_ACTIVATION_DELAY_MS), so no backend meets a kid
 * it cannot find. Every step is idempotent (Secrets Manager may retry one).
 * Logs carry key ids only, never a secret value.
 */
export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';
export const ROTATION_STEPS: readonly RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];
export const PENDING = 'AWSPENDING';

/**
 * The most AWS calls one step makes (lib/assertion-signing.ts sizes the
 * function's timeout from it): createSecret's DescribeSecret, GetSecretValue
 * (the pending version), GetSecretValue (the current one), PutSecretValue;
 * finishSecret's DescribeSecret, UpdateSecretVersionStage, GetSecretValue
 * (the version), PutSecretValue (the MAC keys). setSecret and
 * testSecret make 3. A test counts them.
 */
export const MAX_CALLS_PER_STEP = 4;

/**
 * The longest a pending set may wait between createSecret and testSecret.
 * Its new key signs KEY_ACTIVATION_DELAY_MS after createSecret, and the
 * pruning and timing rules assume it is AWSCURRENT (and its JWKS published)
 * well before then; a version resumed later (the same token, after a failed
 * test or finish) would make its key sign at once, before JWKS caches
 * (Cache-Control max-age 300 s, the JWKS function's 60 s read cache) have it.
 * Ten minutes short of the hour covers those caches and finishSecret.
 */
export const PENDING_SET_MAX_AGE_MS = KEY_ACTIVATION_DELAY_MS - 10 * 60 * 1000;

export interface RotationEvent {
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly Step: RotationStep;
}

export interface KeyRotationOptions {
  readonly secrets: Pick<SecretsManagerClient, 'send'>;
  readonly jwks: Pick<JwksParameter, 'read' | 'write'>;
  /** Where the access tokens' MAC keys go (token-key-secret.ts), written in finishSecret; none: not kept. */
  readonly tokenKeys?: Pick<TokenKeySecret, 'write'> | undefined;
  readonly logger: AppLogger;
  readonly clock?: (() => Date) | undefined;
}

export class RotationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RotationError';
  }
}

export class KeyRotation {
  private readonly clock: () => Date;

  constructor(private readonly options: KeyRotationOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  async run(event: RotationEvent): Promise<void> {
    const { SecretId: secretId, ClientRequestToken: token, Step: step } = event;
    if (!ROTATION_STEPS.includes(step)) throw new RotationError(`unknown rotation step ${JSON.stringify(step)}`);
    // As the AWS templates do: the version must be staged for this rotation, or the call is stale.
    const metadata = await this.options.secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
    if (metadata.RotationEnabled !== true) throw new RotationError('rotation is not enabled on the secret');
    const stages = metadata.VersionIdsToStages?.[token];
    if (stages === undefined) throw new RotationError('the secret has no version for this rotation token');
    if (stages.includes(CURRENT)) {
      // A finishSecret retried after the stage moved: the MAC keys' write may be what failed, so it is made again.
      if (step === 'finishSecret') await this.writeTokenKeys(secretId, token);
      this.options.logger.info('rotation step skipped: the version is already current', { step });
      return;
    }
    if (!stages.includes(PENDING)) throw new RotationError('the rotation version is not AWSPENDING');
    if (step === 'createSecret') await this.createSecret(secretId, token);
    else if (step === 'setSecret') await this.setSecret(secretId, token);
    else if (step === 'testSecret') await this.testSecret(secretId, token);
    else await this.finishSecret(secretId, token, metadata.VersionIdsToStages ?? {});
  }

  private async createSecret(secretId: string, token: string): Promise<void> {
    if ((await this.pendingValue(secretId, token)) !== undefined) {
      this.options.logger.info('createSecret: the pending version already exists');
      return;
    }
    const current = await this.currentSet(secretId);
    let next: SigningKeySet;
    try {
      next = rotatedKeySet(current, this.clock());
    } catch (error) {
      if (error instanceof SigningKeySetFullError) throw new RotationError(`createSecret: ${error.message}`);
      throw error;
    }
    await this.options.secrets.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        ClientRequestToken: token,
        SecretString: JSON.stringify(next),
        VersionStages: [PENDING],
      }),
    );
    const kept = new Set(next.keys.map((key) => key.kid));
    const retired = (current?.keys ?? []).map((key) => key.kid).filter((kid) => !kept.has(kid));
    this.options.logger.info('createSecret: new signing key', { kids: next.keys.map((key) => key.kid), retired });
  }

  private async setSecret(secretId: string, token: string): Promise<void> {
    const pending = await this.pendingSet(secretId, token);
    await this.options.jwks.write(publicJwks(pending));
    this.options.logger.info('setSecret: JWKS published', { kids: pending.keys.map((key) => key.kid) });
  }

  private async testSecret(secretId: string, token: string): Promise<void> {
    const pending = await this.pendingSet(secretId, token);
    this.refuseLateSet(pending);
    const published = new Set((await this.options.jwks.read()).keys.map((key) => key.kid));
    const jwks = publicJwks(pending);
    for (const key of signingKeys(pending)) {
      if (!published.has(key.kid)) throw new RotationError(`testSecret: kid ${key.kid} is not in the published JWKS`);
      const jwk = jwks.keys.find((candidate) => candidate.kid === key.kid);
      const probe = Buffer.from(`rotation test ${token}`);
      const signature = sign('sha256', probe, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
      const publicKey = createPublicKey({ key: { ...jwk }, format: 'jwk' });
      if (!verify('sha256', probe, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)) {
        throw new RotationError(`testSecret: kid ${key.kid} does not verify against its published key`);
      }
    }
    this.options.logger.info('testSecret: every pending key signs and is published');
  }

  /** A pending set made too long ago must not become current: its new key would sign before caches have it. */
  private refuseLateSet(pending: SigningKeySet): void {
    const newest = Math.max(...pending.keys.map((key) => Date.parse(key.createdAt)));
    const ageMs = this.clock().getTime() - newest;
    if (!(ageMs <= PENDING_SET_MAX_AGE_MS)) {
      throw new RotationError(
        `testSecret: the pending key set was made ${Math.ceil(ageMs / 60_000)} minutes ago, more than ${PENDING_SET_MAX_AGE_MS / 60_000}: ` +
          'its new key would sign before JWKS caches have it, so it must not become current. Remove its AWSPENDING label and rotate ' +
          'again (README, "For backend authors": recover a stuck rotation)',
      );
    }
  }

  private async finishSecret(secretId: string, token: string, versions: Record<string, string[]>): Promise<void> {
    const current = Object.entries(versions).find(([, stages]) => stages.includes(CURRENT))?.[0];
    await this.options.secrets.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: CURRENT,
        MoveToVersionId: token,
        ...(current !== undefined ? { RemoveFromVersionId: current } : {}),
      }),
    );
    this.options.logger.info('finishSecret: the new key set is current');
    // Only now the MAC keys: the token exchange must never mint with a key the current set lacks (no authorizer
    // would find it). Should this write fail, the exchange keeps the previous MAC keys, whose keys the current set
    // still holds for hours, and a retried finishSecret (the version is current by then) writes them again.
    await this.writeTokenKeys(secretId, token);
  }

  /** The access tokens' MAC keys of this rotation's version (the current one, once finishSecret moved it). */
  private async writeTokenKeys(secretId: string, token: string): Promise<void> {
    if (this.options.tokenKeys === undefined) return;
    const { SecretString } = await this.options.secrets.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: token }));
    const set = parseSigningKeySet(SecretString);
    await this.options.tokenKeys.write(tokenKeySetOf(set));
    this.options.logger.info('finishSecret: access token keys written', { kids: set.keys.map((key) => key.kid) });
  }

  /** The current set, or none: before the first rotation the secret holds a placeholder (or nothing), and the first key starts a set. */
  private async currentSet(secretId: string): Promise<SigningKeySet | undefined> {
    try {
      const { SecretString } = await this.options.secrets.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: CURRENT }));
      return parseSigningKeySet(SecretString);
    } catch (error) {
      if (error instanceof ResourceNotFoundException || error instanceof SigningKeySetError) {
        this.options.logger.info('createSecret: no key set yet, starting one');
        return undefined;
      }
      throw error;
    }
  }

  private async pendingValue(secretId: string, token: string): Promise<string | undefined> {
    try {
      const { SecretString } = await this.options.secrets.send(
        new GetSecretValueCommand({ SecretId: secretId, VersionId: token, VersionStage: PENDING }),
      );
      return SecretString;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  private async pendingSet(secretId: string, token: string): Promise<SigningKeySet> {
    const value = await this.pendingValue(secretId, token);
    if (value === undefined) throw new RotationError('the pending version has no value');
    return parseSigningKeySet(value);
  }
}
