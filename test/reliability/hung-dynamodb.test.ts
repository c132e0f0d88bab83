import { connect, createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { KeyFormat } from '../../lambdas/domain/key-format';
import { AUTHORIZER_FUNCTION_TIMEOUT_SECONDS, ROUTE_FUNCTION_TIMEOUT_SECONDS } from '../../lambdas/runtime/function-timeouts';
import { LOCAL_DYNAMODB_TIMEOUTS, worstCaseMs } from '../../lambdas/runtime/clients';
import { DEADLINE_MARGIN_MS } from '../../lambdas/runtime/deadline';
import { AUTHORIZER_TIMEOUT_MS, INTEGRATION_TIMEOUT_MS } from '../../local/gateway';
import { testDynamoDbCredentials, testDynamoDbEndpoint } from '../support/dynamodb';
import { startTestSystem, type TestSystem } from '../support/local-system';

/**
 * A DynamoDB that accepts connections and never writes a byte, behind the local gateway with the
 * deployed timeouts (none shortened): every route answers within its function's deployed timeout, as
 * Lambda and API Gateway bound it, and never after LOCAL_DYNAMODB_TIMEOUTS' ~48 s.
 *
 * - an API-key route: the authorizer is held to its 7 s, then 500 {"message":"Internal Server Error"}
 *   (under 10 s);
 * - key management: the function's own deadline (24 s less a second) answers 503 STORE_UNAVAILABLE
 *   before Lambda's timeout would (under 30 s);
 * - the token exchange, which has no deadline of its own: the gateway's 500 at its 15 s.
 *
 * The system starts through a relay to the shared DynamoDB Local (the table is made, its stream read),
 * which then hangs: it accepts every connection, reads what is sent, and answers nothing.
 */

interface HangingDynamoDb {
  readonly endpoint: string;
  /** From now on: accept, read, never write; connections relayed so far are cut, so the clients open new ones. */
  hang(): void;
  /** Relay again (connections held while hanging are cut). */
  pass(): void;
  /** Connections that sent a request while it hung. */
  readonly swallowed: () => number;
  close(): Promise<void>;
}

async function hangingDynamoDb(target: string): Promise<HangingDynamoDb> {
  const { hostname, port: targetPort } = new URL(target);
  let hanging = false;
  let swallowed = 0;
  const relayed = new Set<Socket>();
  const held = new Set<Socket>();
  const server: TcpServer = createTcpServer((socket) => {
    socket.on('error', () => undefined);
    if (hanging) {
      held.add(socket);
      socket.once('data', () => {
        swallowed += 1;
      });
      socket.resume(); // read the request, never answer
      socket.once('close', () => held.delete(socket));
      return;
    }
    const upstream = connect(Number(targetPort), hostname);
    upstream.on('error', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
    relayed.add(socket);
    socket.once('close', () => relayed.delete(socket));
    socket.pipe(upstream).pipe(socket);
  });
  const port = await new Promise<number>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve((server.address() as { port: number }).port);
    });
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    hang: () => {
      hanging = true;
      for (const socket of relayed) socket.destroy();
    },
    pass: () => {
      hanging = false;
      for (const socket of held) socket.destroy();
    },
    swallowed: () => swallowed,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of [...relayed, ...held]) socket.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

describe('a DynamoDB that never answers, through the local gateway with the deployed timeouts', () => {
  let dynamodb: HangingDynamoDb;
  let system: TestSystem;
  let token: string;

  beforeAll(async () => {
    dynamodb = await hangingDynamoDb(testDynamoDbEndpoint());
    system = await startTestSystem({ dynamodb: { endpoint: dynamodb.endpoint, credentials: testDynamoDbCredentials() } });
    token = await system.tokenFor('alice');
    dynamodb.hang();
  });

  afterAll(async () => {
    // Let what is still waiting on DynamoDB (the stream's reader, calls the gateway gave up on) finish before stopping.
    dynamodb.pass();
    await system.stop();
    await dynamodb.close();
  });

  /** A request timed from the client's side. */
  async function timed(path: string, init: Parameters<TestSystem['call']>[1]) {
    const started = performance.now();
    const answer = await system.call(path, init);
    return { ...answer, ms: Math.round(performance.now() - started) };
  }

  it('every route answers within its deployed function’s timeout, long before the local DynamoDB client would give up', async () => {
    // Without the gateway's timeouts, each would wait for LOCAL_DYNAMODB_TIMEOUTS to run out (3 attempts of 15 s, with backoff).
    expect(worstCaseMs(LOCAL_DYNAMODB_TIMEOUTS)).toBeGreaterThan(45_000);
    const key = new KeyFormat('uak').generate();
    const swallowedBefore = dynamodb.swallowed();

    // Concurrently, so the three cost the longest one's time.
    const [whoami, listKeys, tokenExchange] = await Promise.all([
      timed('/whoami', { key: key.key }),
      timed('/keys', { token }),
      timed('/oauth/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: key.keyId, client_secret: key.key }).toString(),
      }),
    ]);
    process.stdout.write(
      `hung DynamoDB: GET /whoami ${whoami.status} in ${whoami.ms} ms, GET /keys ${listKeys.status} in ${listKeys.ms} ms, ` +
        `POST /oauth/token ${tokenExchange.status} in ${tokenExchange.ms} ms\n`,
    );

    // The API-key route: the authorizer, held to its deployed 7 s, then API Gateway's 500; never an allow.
    expect(AUTHORIZER_TIMEOUT_MS).toBe(AUTHORIZER_FUNCTION_TIMEOUT_SECONDS * 1000);
    expect(whoami.status).toBe(500);
    expect(whoami.body).toEqual({ message: 'Internal Server Error' });
    expect(whoami.ms).toBeGreaterThanOrEqual(AUTHORIZER_TIMEOUT_MS - 50);
    expect(whoami.ms).toBeLessThan(10_000);

    // Key management: its own deadline (the deployed 24 s less the margin) comes first, a clean 503 to retry.
    const managementMs = ROUTE_FUNCTION_TIMEOUT_SECONDS.listKeys * 1000;
    expect(listKeys.status).toBe(503);
    expect(listKeys.body).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(listKeys.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(listKeys.ms).toBeGreaterThanOrEqual(managementMs - DEADLINE_MARGIN_MS - 50);
    expect(listKeys.ms).toBeLessThan(managementMs);
    expect(listKeys.ms).toBeLessThan(INTEGRATION_TIMEOUT_MS);

    // The token exchange has no deadline of its own: Lambda stops it at its 15 s, which API Gateway answers 500.
    const tokenMs = ROUTE_FUNCTION_TIMEOUT_SECONDS.token * 1000;
    expect(tokenExchange.status).toBe(500);
    expect(tokenExchange.body).toEqual({ message: 'Internal Server Error' });
    expect(tokenExchange.ms).toBeGreaterThanOrEqual(tokenMs - 50);
    expect(tokenExchange.ms).toBeLessThan(INTEGRATION_TIMEOUT_MS);

    // DynamoDB really was on each path, and really hung.
    expect(dynamodb.swallowed()).toBeGreaterThanOrEqual(swallowedBefore + 3);
    expect(system.logger.lines()).toContain('DeadlineExceededError');
  });
});
