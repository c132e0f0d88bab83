import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Jwks, PublicJwk } from '../domain/signing-keys';
import { clientConfig, DEFAULT_SIGNING_TIMEOUTS } from './aws-clients';

/** Built once per process and reused by every invocation. */
export const createSsmClient = (): SSMClient => new SSMClient(clientConfig(DEFAULT_SIGNING_TIMEOUTS));

/**
 * The public keys live in an SSM parameter (a plain String: nothing in it is
 * secret), written by the rotation's setSecret step and read by the JWKS
 * function, which therefore needs no access to the secret at all.
 */
export class JwksParameter {
  constructor(
    private readonly client: Pick<SSMClient, 'send'>,
    private readonly name: string,
  ) {}

  async read(): Promise<Jwks> {
    const { Parameter } = await this.client.send(new GetParameterCommand({ Name: this.name }));
    return parseJwks(Parameter?.Value);
  }

  async write(jwks: Jwks): Promise<void> {
    await this.client.send(new PutParameterCommand({ Name: this.name, Value: JSON.stringify(jwks), Type: 'String', Overwrite: true }));
  }
}

/** Only public EC members survive: a `d` (or anything else) in the parameter is never served. */
export function parseJwks(text: string | undefined): Jwks {
  const value = JSON.parse(text ?? '') as { keys?: unknown } | null;
  if (typeof value !== 'object' || value === null || !Array.isArray(value.keys)) throw new Error('the JWKS parameter holds no key set');
  const keys = (value.keys as Partial<PublicJwk>[]).map((key): PublicJwk => {
    const { kid, x, y } = key;
    if (typeof kid !== 'string' || typeof x !== 'string' || typeof y !== 'string')
      throw new Error('the JWKS parameter holds a malformed key');
    return { kty: 'EC', crv: 'P-256', x, y, kid, alg: 'ES256', use: 'sig' };
  });
  return { keys };
}
