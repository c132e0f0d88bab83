import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseSigningKeySet, type SigningKeySet } from '../domain/signing-keys';

/** The stage label of the secret version in use (https://docs.aws.amazon.com/secretsmanager/latest/userguide/whats-in-a-shh-secret.html). */
export const CURRENT = 'AWSCURRENT';

/**
 * Reads the signing keys from the secret's AWSCURRENT version. Rejects on any
 * fault, and on a value that is not yet a key set (the placeholder the secret
 * is created with, before its first rotation): the caller fails closed.
 */
export function secretKeySetLoader(client: Pick<SecretsManagerClient, 'send'>, secretArn: string): () => Promise<SigningKeySet> {
  return async () => {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn, VersionStage: CURRENT }));
    return parseSigningKeySet(SecretString);
  };
}
