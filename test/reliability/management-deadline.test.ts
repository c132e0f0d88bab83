import { connect, createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { testDynamoDbCredentials, testDynamoDbEndpoint } from '../support/dynamodb';
import { startTestSystem, type TestSystem } from '../support/local-system';

/**
 * Key management under a DynamoDB that hangs, through the local gateway with
 * a short management timeout: every request carries a deadline (its
 * function's remaining time less a margin), so it answers 503
 * STORE_UNAVAILABLE with Retry-After before the function's timeout, never the
 * gateway's answer for a function Lambda stopped (500 {"message":...}).
 *
 * DynamoDB is the shared DynamoDB Local behind a switchable TCP relay: it
 * passes traffic through (the table is made, a key created), then starts
 * swallowing requests without a word, as a stalled DynamoDB endpoint would.
 */

const MANAGEMENT_TIMEOUT_MS = 3000;

interface Relay {
  readonly endpoint: string;
  /** From now on: accept, read, never answer; connections already relayed are cut (the client opens new ones). */
  hang(): void;
  /** Relay again. */
  pass(): void;
  /** Requests that reached the relay while it hung (connections that sent bytes). */
  readonly swallowed: () => number;
  close(): Promise<void>;
}

async function switchableRelay(target: string): Promise<Relay> {
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
      socket.resume();
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

describe(`management under a DynamoDB that hangs (management timeout ${MANAGEMENT_TIMEOUT_MS} ms)`, () => {
  let relay: Relay;
  let system: TestSystem;
  let token: string;

  beforeAll(async () => {
    relay = await switchableRelay(testDynamoDbEndpoint());
    system = await startTestSystem({
      dynamodb: { endpoint: relay.endpoint, credentials: testDynamoDbCredentials() },
      managementTimeoutMs: MANAGEMENT_TIMEOUT_MS,
    });
    token = await system.tokenFor('alice');
    // While DynamoDB answers, so does management.
    const created = await system.call('/keys', { method: 'POST', token, body: JSON.stringify({ name: 'before the stall' }) });
    expect(created.status).toBe(201);
  });

  afterAll(async () => {
    await system.stop();
    await relay.close();
  });

  /** A request timed from the client's side. */
  async function timed(path: string, init: Parameters<TestSystem['call']>[1]) {
    const started = Date.now();
    const answer = await system.call(path, init);
    return { ...answer, ms: Date.now() - started };
  }

  it.each([
    ['POST /keys', '/keys', { method: 'POST', body: JSON.stringify({ name: 'during the stall' }) }],
    ['GET /keys', '/keys', { method: 'GET' }],
  ] as const)('%s answers 503 STORE_UNAVAILABLE with Retry-After before the function’s timeout', async (_route, path, init) => {
    relay.hang();
    const swallowedBefore = relay.swallowed();
    const answer = await timed(path, { ...init, token });

    // Never the gateway's answer for a function that timed out ({ message }, 500).
    expect(answer.body).not.toHaveProperty('message', 'Internal Server Error');
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(answer.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    // The function answered itself, at its deadline (after the call hung a while) and before Lambda would stop it.
    expect(answer.ms).toBeGreaterThanOrEqual(1000);
    expect(answer.ms).toBeLessThan(MANAGEMENT_TIMEOUT_MS);
    // DynamoDB really was on the path and really hung.
    expect(relay.swallowed()).toBeGreaterThan(swallowedBefore);
    // Operators see why: the deadline, logged with the failure.
    expect(system.logger.lines()).toContain('DeadlineExceededError');
  });

  it('once DynamoDB answers again, the same system serves the same keys', async () => {
    relay.pass();
    const listed = await system.call('/keys', { token });
    expect(listed.status).toBe(200);
    expect(listed.body.keys.map((key: { name: string }) => key.name)).toContain('before the stall');
  });
});
