import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rotatedKeySet } from '../lambdas/domain/signing-keys';
import { CURRENT } from '../lambdas/signing/secret-key-source';

/** The ARN lambdaLikeEnv() gives the authorizer (ASSERTION_SECRET_ARN); the stub answers for it alone. */
export const BENCH_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:signing-AbCdEf';

export interface SecretsManagerStub {
  /** For AWS_ENDPOINT_URL_SECRETS_MANAGER. */
  readonly endpoint: string;
  /** GetSecretValue calls answered so far (each fresh authorizer process makes one at init). */
  readonly calls: () => number;
  stop(): Promise<void>;
}

/**
 * A stand-in for Secrets Manager on 127.0.0.1, speaking the part of its JSON
 * protocol (awsJson1_1: POST /, `X-Amz-Target: secretsmanager.GetSecretValue`)
 * the authorizer's signer uses: the secret's AWSCURRENT version holds a
 * signing key set in the format of lambdas/domain/signing-keys.ts, made here
 * once (one fresh P-256 key, as after the first rotation), so the deployed
 * bundle signs its identity assertions as in Lambda. Signatures are not
 * checked; anything else is answered as Secrets Manager answers an unknown
 * secret or operation.
 */
export async function startSecretsManagerStub(now = new Date()): Promise<SecretsManagerStub> {
  const secretString = JSON.stringify(rotatedKeySet(undefined, now));
  const createdDate = Math.floor(now.getTime() / 1000);
  let calls = 0;
  const server = createServer((request, response) => {
    void answer(request, response);
  });
  const answer = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const target = request.headers['x-amz-target'];
    let input: { SecretId?: unknown; VersionStage?: unknown } = {};
    try {
      input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as typeof input;
    } catch {
      // answered as an unknown secret below
    }
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `bench-${calls}` });
      response.end(JSON.stringify(body));
    };
    if (target !== 'secretsmanager.GetSecretValue') {
      reply(400, { __type: 'UnknownOperationException', message: `not in the bench's stand-in: ${String(target)}` });
      return;
    }
    if (input.SecretId !== BENCH_SECRET_ARN || (input.VersionStage !== undefined && input.VersionStage !== CURRENT)) {
      reply(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
      return;
    }
    calls += 1;
    reply(200, {
      ARN: BENCH_SECRET_ARN,
      Name: 'signing',
      VersionId: '00000000-0000-4000-8000-000000000001',
      SecretString: secretString,
      VersionStages: [CURRENT],
      CreatedDate: createdDate,
    });
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls: () => calls,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
