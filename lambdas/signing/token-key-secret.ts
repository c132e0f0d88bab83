import { GetSecretValueCommand, PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseTokenKeySet, type TokenKeySet } from '../domain/token-keys';
import { CURRENT } from './secret-key-source';

/**
 * The access tokens' MAC keys in their own secret (lambdas/domain/token-keys.ts):
 * read by the token exchange, written by the signing-key rotation. A plain
 * PutSecretValue makes the new version AWSCURRENT
 * (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html).
 */
export class TokenKeySecret {
  constructor(
    private readonly client: Pick<SecretsManagerClient, 'send'>,
    private readonly secretArn: string,
  ) {}

  /** Rejects on any fault, and on a value that is not yet a set (the placeholder, before the first rotation). */
  async read(): Promise<TokenKeySet> {
    const { SecretString } = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretArn, VersionStage: CURRENT }));
    return parseTokenKeySet(SecretString);
  }

  async write(set: TokenKeySet): Promise<void> {
    await this.client.send(new PutSecretValueCommand({ SecretId: this.secretArn, SecretString: JSON.stringify(set) }));
  }
}
