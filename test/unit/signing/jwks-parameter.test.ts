import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { publicJwks, rotatedKeySet } from '../../../lambdas/domain/signing-keys';
import { createJwksHandler } from '../../../lambdas/handlers/jwks';
import { cachedJwksSource } from '../../../lambdas/runtime/assertion-wiring';
import * as jwksParameterModule from '../../../lambdas/signing/jwks-parameter';
import { JwksNotPublishedError, JwksParameter } from '../../../lambdas/signing/jwks-parameter';
import { lambdaJwksDependencies } from '../../../lambdas/runtime/assertion-wiring';
import { JWKS_PARAMETER_TIMEOUTS } from '../../../lambdas/signing/aws-clients';
import { capturingLogger } from '../../support/local-system';

/**
 * The JWKS parameter belongs to the rotation function, not to CloudFormation:
 * it does not exist until the first rotation's setSecret creates it. A mocked
 * SSM client (no AWS call); the credentials are fixed so the SDK looks none up.
 */
const NAME = '/UserApiKeys/assertion-jwks';
const client = () => new SSMClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

describe('the JWKS parameter', () => {
  const ssm = mockClient(SSMClient);
  afterEach(() => ssm.reset());
  afterAll(() => {
    ssm.restore();
  });

  it('is created (or replaced) by the rotation with PutParameter, Overwrite on, as a plain String', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const jwks = publicJwks(rotatedKeySet(undefined, new Date()));
    await new JwksParameter(client(), NAME).write(jwks);
    expect(ssm.commandCalls(PutParameterCommand).map((call) => call.args[0].input)).toEqual([
      { Name: NAME, Value: JSON.stringify(jwks), Type: 'String', Overwrite: true },
    ]);
  });

  it('before the first rotation (ParameterNotFound): the read says so, and GET /.well-known/jwks.json answers 503 JWKS_UNAVAILABLE', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'Parameter not found', $metadata: {} }));
    const parameter = new JwksParameter(client(), NAME);
    await expect(parameter.read()).rejects.toThrow(JwksNotPublishedError);
    const logger = capturingLogger();
    const handler = createJwksHandler({ source: cachedJwksSource(() => parameter.read()), logger });
    const response = await handler();
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body!)).toMatchObject({ code: 'JWKS_UNAVAILABLE' });
    expect(logger.lines()).toContain('does not exist yet');
  });

  it('is served as soon as the rotation has written it: the missing parameter was not cached', async () => {
    const jwks = publicJwks(rotatedKeySet(undefined, new Date()));
    ssm
      .on(GetParameterCommand)
      .rejectsOnce(new ParameterNotFound({ message: 'Parameter not found', $metadata: {} }))
      .resolves({ Parameter: { Name: NAME, Value: JSON.stringify(jwks) } });
    const parameter = new JwksParameter(client(), NAME);
    const handler = createJwksHandler({ source: cachedJwksSource(() => parameter.read()), logger: capturingLogger() });
    expect((await handler()).statusCode).toBe(503);
    const served = await handler();
    expect(served.statusCode).toBe(200);
    expect(JSON.parse(served.body!)).toEqual({ keys: jwks.keys });
  });

  it('any other SSM failure is a 503 too', async () => {
    ssm.on(GetParameterCommand).rejects(new Error('AccessDeniedException'));
    const handler = createJwksHandler({
      source: cachedJwksSource(() => new JwksParameter(client(), NAME).read()),
      logger: capturingLogger(),
    });
    expect((await handler()).statusCode).toBe(503);
  });
});

describe('the JWKS function’s SSM client', () => {
  it('makes one short attempt (JWKS_PARAMETER_TIMEOUTS, which lib/key-api.ts sizes the function’s timeout from)', () => {
    const spy = jest.spyOn(jwksParameterModule, 'createSsmClient');
    const saved = { ...process.env };
    Object.assign(process.env, {
      ASSERTION_AUDIENCE: 'https://internal.example.com',
      ASSERTION_ISSUER: 'https://api.example.com',
      ASSERTION_JWKS_PARAMETER: NAME,
      ACCESS_TOKEN_KEYS_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:token-keys-AbCdEf',
    });
    try {
      lambdaJwksDependencies();
      expect(spy).toHaveBeenCalledWith(JWKS_PARAMETER_TIMEOUTS);
      expect(JWKS_PARAMETER_TIMEOUTS.maxAttempts).toBe(1);
    } finally {
      process.env = saved;
      spy.mockRestore();
    }
  });
});
