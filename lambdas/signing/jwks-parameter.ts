import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Jwks, PublicJwk } from '../domain/signing-keys';
import { sdkClientConfig, type CallTimeouts } from '../runtime/call-timeouts';
import { DEFAULT_SIGNING_TIMEOUTS } from './aws-clients';

/** Built once per process and reused by every invocation. */
export const createSsmClient = (timeouts: CallTimeouts = DEFAULT_SIGNING_TIMEOUTS): SSMClient => new SSMClient(sdkClientConfig(timeouts));

/**
 * The public keys live in an SSM parameter (a plain String: nothing in it is
 * secret), written by the rotation's setSecret step and read by the JWKS
 * function, which therefore needs no access to the secret at all. The
 * rotation owns it: its first write creates it (PutParameter with Overwrite
 * creates a parameter that does not exist), and no CloudFormation resource
 * holds a value that a stack update could put back.
 */
export class JwksParameter {
  constructor(
    private readonly client: Pick<SSMClient, 'send'>,
    private readonly name: string,
  ) {}

  /** Rejects while the parameter does not exist (before the first rotation's setSecret), as on any other fault. */
  async read(): Promise<Jwks> {
    try {
      const { Parameter } = await this.client.send(new GetParameterCommand({ Name: this.name }));
      return parseJwks(Parameter?.Value);
    } catch (error) {
      if (error instanceof ParameterNotFound) throw new JwksNotPublishedError(this.name);
      throw error;
    }
  }

  async write(jwks: Jwks): Promise<void> {
    await this.client.send(new PutParameterCommand({ Name: this.name, Value: JSON.stringify(jwks), Type: 'String', Overwrite: true }));
  }
}

/** No JWKS yet: the first rotation has not reached setSecret (or the parameter was deleted). */
export class JwksNotPublishedError extends Error {
  constructor(name: string) {
    super(`the JWKS parameter ${name} does not exist yet: no key rotation has published it`);
    this.name = 'JwksNotPublishedError';
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
