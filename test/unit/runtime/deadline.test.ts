import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { TransactionConflictException } from '@aws-sdk/client-dynamodb';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DependencyUnavailableError } from '../../../lambdas/domain/errors';
import { KeyFormat } from '../../../lambdas/domain/key-format';
import { KeyService } from '../../../lambdas/domain/key-service';
import { createCreateKeyHandler } from '../../../lambdas/handlers/create-key';
import { createListKeysHandler } from '../../../lambdas/handlers/list-keys';
import { errorResponse } from '../../../lambdas/http/responses';
import { createDocumentClient, DEADLINE_MIDDLEWARE_NAME, type DynamoDbTimeouts } from '../../../lambdas/runtime/clients';
import {
  DEADLINE_FLOOR_MS,
  DEADLINE_MARGIN_MS,
  DeadlineExceededError,
  deadlineFromContext,
  deadlineSignal,
  ensureTimeLeft,
  raceDeadline,
  remainingMs,
  withDeadline,
} from '../../../lambdas/runtime/deadline';
import { DynamoKeyStore } from '../../../lambdas/store/key-repository';
import { asStoreFault, storeContext, withConflictRetries } from '../../../lambdas/store/store-calls';
import { testKeyPolicy } from '../../support/key-policy';
import { managementEvent } from '../../support/management-event';
import { createTestVerifier, createTokenIssuer } from '../../support/tokens';

/**
 * The request-scoped deadline (lambdas/runtime/deadline.ts) and what holds
 * DynamoDB calls to it: the document client's middleware (runtime/clients.ts),
 * the store's pauses (store/store-calls.ts) and the management frame.
 * DynamoDB here is a socket on 127.0.0.1 that never answers, or a tiny HTTP
 * server that does; the deadlines are short and the bounds generous.
 */

/** Timeouts long enough that the SDK's own never decide a test that a deadline should. */
const PATIENT: DynamoDbTimeouts = { connectionTimeoutMs: 5000, requestTimeoutMs: 10_000, maxAttempts: 3 };

interface Hanging {
  readonly endpoint: string;
  /** Connections accepted so far. */
  readonly connections: () => number;
  /** Bytes received so far (a request was sent). */
  readonly bytes: () => number;
  /** Resolves once every accepted connection has been closed by the client. */
  readonly allClosed: () => Promise<void>;
  readonly close: () => Promise<void>;
}

/** A DynamoDB that accepts connections, reads requests, and never answers. */
async function hangingDynamoDb(): Promise<Hanging> {
  const sockets = new Set<Socket>();
  const closed: Promise<void>[] = [];
  let connections = 0;
  let bytes = 0;
  const server: TcpServer = createTcpServer((socket) => {
    connections += 1;
    sockets.add(socket);
    closed.push(
      new Promise((resolve) => {
        socket.once('close', () => {
          resolve();
        });
      }),
    );
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
  });
  const port = await new Promise<number>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve((server.address() as { port: number }).port);
    });
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    connections: () => connections,
    bytes: () => bytes,
    allClosed: async () => {
      await Promise.all(closed);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** A DynamoDB that answers every GetItem with one item. */
async function answeringDynamoDb(): Promise<{ endpoint: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server: HttpServer = createHttpServer((request, response) => {
    requests += 1;
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify({ Item: { pk: { S: 'found' } } }));
    });
  });
  const port = await new Promise<number>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve((server.address() as { port: number }).port);
    });
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

const getItem = (client: DynamoDBDocumentClient) => client.send(new GetCommand({ TableName: 'Keys', Key: { pk: 'k' } }));

/** How a promise settled, and when (ms after `since`). */
async function settle<T>(promise: Promise<T>, since: number) {
  return promise.then(
    (value) => ({ value, error: undefined, ms: Date.now() - since }),
    (error: unknown) => ({ value: undefined, error, ms: Date.now() - since }),
  );
}

describe('deadlineFromContext', () => {
  it('is the remaining time less the margin, from now', () => {
    expect(deadlineFromContext({ getRemainingTimeInMillis: () => 24_000 }, 1000, 5_000_000)).toBe(5_023_000);
    expect(deadlineFromContext({ getRemainingTimeInMillis: () => 3000 }, undefined, 0)).toBe(3000 - DEADLINE_MARGIN_MS);
  });

  it('is undefined without a context that tells the time left', () => {
    expect(deadlineFromContext(undefined)).toBeUndefined();
    expect(deadlineFromContext({})).toBeUndefined();
    expect(deadlineFromContext({ getRemainingTimeInMillis: () => Number.NaN })).toBeUndefined();
  });

  it('leaves the function a second to answer and log, far above the floor', () => {
    expect(DEADLINE_MARGIN_MS).toBe(1000);
    expect(DEADLINE_FLOOR_MS).toBeLessThan(DEADLINE_MARGIN_MS);
  });
});

describe('withDeadline (fake timers)', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: Date.parse('2026-06-01T12:00:00Z') });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('puts the deadline in force for all the work it starts, and only there', async () => {
    expect(remainingMs()).toBeUndefined();
    expect(deadlineSignal()).toBeUndefined();
    const seen: (number | undefined)[] = [];
    await withDeadline(Date.now() + 5000, async () => {
      seen.push(remainingMs());
      await Promise.resolve();
      jest.advanceTimersByTime(1500);
      seen.push(remainingMs());
      // Deeper in promises, and in a timer callback started inside.
      await new Promise<void>((resolve) => {
        setTimeout(() => {
          seen.push(remainingMs());
          resolve();
        }, 500);
        jest.advanceTimersByTime(500);
      });
    });
    expect(seen).toEqual([5000, 3500, 3000]);
    expect(remainingMs()).toBeUndefined();
  });

  it('without a deadline runs the work as is', async () => {
    await expect(withDeadline(undefined, () => Promise.resolve(remainingMs()))).resolves.toBeUndefined();
  });

  it('nested, the earlier deadline holds', async () => {
    const now = Date.now();
    await withDeadline(now + 1000, async () => {
      const inner = (deadline: number | undefined) => withDeadline(deadline, () => Promise.resolve(remainingMs()));
      await expect(inner(now + 9000)).resolves.toBe(1000);
      await expect(inner(now + 400)).resolves.toBe(400);
      await expect(inner(undefined)).resolves.toBe(1000);
    });
  });

  it('its signal aborts at the deadline, not before, with a DeadlineExceededError', async () => {
    await withDeadline(Date.now() + 2000, async () => {
      const signal = deadlineSignal();
      if (signal === undefined) throw new Error('no signal');
      jest.advanceTimersByTime(1999);
      expect(signal.aborted).toBe(false);
      jest.advanceTimersByTime(1);
      expect(signal.aborted).toBe(true);
      expect(signal.reason).toBeInstanceOf(DeadlineExceededError);
      await Promise.resolve();
    });
  });

  it('raceDeadline abandons work still pending at the deadline, and leaves faster work alone', async () => {
    await withDeadline(Date.now() + 1000, async () => {
      const fast = raceDeadline(new Promise((resolve) => setTimeout(resolve, 999, 'done')));
      const slow = raceDeadline(new Promise(() => undefined));
      const slowSettled = settle(slow, Date.now());
      await jest.advanceTimersByTimeAsync(999);
      await expect(fast).resolves.toBe('done');
      await jest.advanceTimersByTimeAsync(1);
      expect((await slowSettled).error).toBeInstanceOf(DeadlineExceededError);
    });
    // No deadline: the promise itself.
    const work = Promise.resolve(7);
    expect(raceDeadline(work)).toBe(work);
  });

  it('ensureTimeLeft throws only under a deadline with too little left', async () => {
    expect(() => {
      ensureTimeLeft(1_000_000, 'anything');
    }).not.toThrow();
    await withDeadline(Date.now() + 300, () => {
      expect(() => {
        ensureTimeLeft(300, 'a call');
      }).not.toThrow();
      expect(() => {
        ensureTimeLeft(301, 'a call');
      }).toThrow(DeadlineExceededError);
      return Promise.resolve();
    });
  });
});

describe('a DeadlineExceededError is a store fault: 503 STORE_UNAVAILABLE with Retry-After', () => {
  it('is an ordinary error with its own name, mapped by asStoreFault', async () => {
    const deadline = new DeadlineExceededError();
    expect(deadline).toBeInstanceOf(Error);
    expect(deadline.name).toBe('DeadlineExceededError');
    const fault: unknown = await asStoreFault(() => Promise.reject(deadline)).catch((error: unknown) => error);
    expect(fault).toBeInstanceOf(DependencyUnavailableError);
    expect(fault).toMatchObject({ code: 'STORE_UNAVAILABLE', cause: deadline });
    const response = errorResponse(fault);
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(JSON.parse(response.body ?? '{}')).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(response.body).not.toContain('DeadlineExceeded');
  });
});

describe('the document client holds each DynamoDB call to the deadline in force', () => {
  let hanging: Hanging;
  let client: DynamoDBDocumentClient;

  beforeEach(async () => {
    hanging = await hangingDynamoDb();
    client = createDocumentClient({ endpoint: hanging.endpoint, timeouts: PATIENT });
  });
  afterEach(async () => {
    client.destroy();
    await hanging.close();
  });

  it('carries the middleware, in the initialize step', () => {
    expect(client.middlewareStack.identify().some((entry) => entry.startsWith(`${DEADLINE_MIDDLEWARE_NAME} - initialize`))).toBe(true);
  });

  it('abandons a call that hangs at the deadline, not before, and releases its socket', async () => {
    const started = Date.now();
    const outcome = settle(
      withDeadline(started + 800, () => getItem(client)),
      started,
    );
    // Half-way: still waiting, the request sent and its connection open.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const early = await Promise.race([outcome, Promise.resolve('pending' as const)]);
    expect(early).toBe('pending');
    expect(hanging.connections()).toBe(1);
    expect(hanging.bytes()).toBeGreaterThan(0);

    const { error, ms } = await outcome;
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(ms).toBeGreaterThanOrEqual(795); // timers may round a millisecond or two early
    expect(ms).toBeLessThan(PATIENT.requestTimeoutMs); // the deadline decided, not the SDK's timeout
    // The request was aborted (node-http-handler destroys it): the server sees the socket close, and no retry follows.
    await hanging.allClosed();
    expect(hanging.connections()).toBe(1);
  });

  it('refuses a call below the floor at once, sending nothing', async () => {
    const started = Date.now();
    const { error, ms } = await settle(
      withDeadline(started + DEADLINE_FLOOR_MS - 1, () => getItem(client)),
      started,
    );
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as Error).message).toMatch(/Not enough time left for a DynamoDB call/);
    expect(ms).toBeLessThan(DEADLINE_FLOOR_MS);
    // Nothing reached the server, then or later.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(hanging.connections()).toBe(0);
    expect(hanging.bytes()).toBe(0);
  });

  it('refuses a call once the deadline has passed', async () => {
    const { error } = await settle(
      withDeadline(Date.now() - 10, () => getItem(client)),
      Date.now(),
    );
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(hanging.connections()).toBe(0);
  });

  it('with no deadline in force, leaves the call to the SDK’s own timeouts', async () => {
    const quick = createDocumentClient({
      endpoint: hanging.endpoint,
      timeouts: { connectionTimeoutMs: 1000, requestTimeoutMs: 300, maxAttempts: 1 },
    });
    try {
      const { error } = await settle(getItem(quick), Date.now());
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(DeadlineExceededError);
      expect((error as Error).name).toBe('TimeoutError');
      expect(hanging.bytes()).toBeGreaterThan(0);
    } finally {
      quick.destroy();
    }
  });
});

describe('calls with time enough, or no deadline, are untouched', () => {
  let answering: Awaited<ReturnType<typeof answeringDynamoDb>>;
  let client: DynamoDBDocumentClient;

  beforeAll(async () => {
    answering = await answeringDynamoDb();
    client = createDocumentClient({ endpoint: answering.endpoint, timeouts: PATIENT });
  });
  afterAll(async () => {
    client.destroy();
    await answering.close();
  });

  it('a call with plenty of time answers as without a deadline', async () => {
    const without = await getItem(client);
    const within = await withDeadline(Date.now() + 60_000, () => getItem(client));
    expect(within.Item).toEqual({ pk: 'found' });
    expect(within.Item).toEqual(without.Item);
    expect(within.$metadata.attempts).toBe(1);
    expect(answering.requests()).toBe(2);
  });

  it('many calls in a row under one deadline leave no listener behind', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      await withDeadline(Date.now() + 60_000, async () => {
        for (let i = 0; i < 20; i += 1) await getItem(client);
      });
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((message) => /listener/i.test(message))).toEqual([]);
  });
});

describe('pauses before another try never pass the deadline', () => {
  const conflict = () => new TransactionConflictException({ message: 'Transaction is ongoing for the item', $metadata: {} });
  // The operations here are stubs: the store's client is never used.
  const unusedClient = createDocumentClient({ endpoint: 'http://127.0.0.1:9' });
  afterAll(() => {
    unusedClient.destroy();
  });

  it('a transaction that lost a race is not retried when the pause would pass the deadline: 503, no sleep', async () => {
    const sleep = jest.fn(() => Promise.resolve());
    const operation = jest.fn(() => Promise.reject(conflict()));
    const context = storeContext({ client: unusedClient, tableName: 'Keys', sleep, maxConflictRetries: 8 });
    // Any pause (20 ms at most, first) plus the floor is more than the floor left.
    const fault: unknown = await withDeadline(Date.now() + DEADLINE_FLOOR_MS, () => withConflictRetries(context, operation)).catch(
      (error: unknown) => error,
    );
    expect(fault).toBeInstanceOf(DependencyUnavailableError);
    expect((fault as Error).cause).toBeInstanceOf(DeadlineExceededError);
    expect(((fault as Error).cause as Error).cause).toBeInstanceOf(TransactionConflictException);
    expect(operation).toHaveBeenCalledTimes(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('with time enough, or no deadline, it pauses and tries again as before', async () => {
    for (const deadline of [Date.now() + 60_000, undefined]) {
      const sleep = jest.fn(() => Promise.resolve());
      const operation = jest.fn().mockRejectedValueOnce(conflict()).mockRejectedValueOnce(conflict()).mockResolvedValue('written');
      const context = storeContext({ client: unusedClient, tableName: 'Keys', sleep });
      await expect(withDeadline(deadline, () => withConflictRetries(context, operation))).resolves.toBe('written');
      expect(sleep).toHaveBeenCalledTimes(2);
      expect(operation).toHaveBeenCalledTimes(3);
    }
  });

  it('the store’s own sleep refuses a pause that would pass the deadline', async () => {
    const { sleep } = storeContext({ client: unusedClient, tableName: 'Keys' });
    const started = Date.now();
    await expect(withDeadline(started + 300, () => sleep(500))).rejects.toBeInstanceOf(DeadlineExceededError);
    expect(Date.now() - started).toBeLessThan(300);
    await expect(withDeadline(started + 60_000, () => sleep(5))).resolves.toBeUndefined();
    await expect(sleep(5)).resolves.toBeUndefined();
  });
});

describe('the management frame runs each request under its context’s deadline', () => {
  let hanging: Hanging;
  let client: DynamoDBDocumentClient;

  beforeEach(async () => {
    hanging = await hangingDynamoDb();
    client = createDocumentClient({ endpoint: hanging.endpoint, timeouts: PATIENT });
  });
  afterEach(async () => {
    client.destroy();
    await hanging.close();
  });

  async function handlers() {
    const tokens = await createTokenIssuer();
    const deps = {
      keys: new KeyService({
        store: new DynamoKeyStore({ client, tableName: 'Keys' }),
        format: new KeyFormat('uak'),
        policy: testKeyPolicy(),
        clock: () => new Date(),
      }),
      tokens: createTestVerifier(tokens).verifier,
      logger: { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() },
    };
    const authorization = `Bearer ${await tokens.signToken()}`;
    return { deps, authorization, create: createCreateKeyHandler(deps), list: createListKeysHandler(deps) };
  }

  it('with a DynamoDB that hangs, answers 503 STORE_UNAVAILABLE with Retry-After once the deadline passes', async () => {
    const { deps, authorization, create, list } = await handlers();
    const lambdaTimeoutMs = DEADLINE_MARGIN_MS + 700;
    for (const [handler, event] of [
      [create, managementEvent('POST /keys', { authorization, body: JSON.stringify({ name: 'ci' }) })],
      [list, managementEvent('GET /keys', { authorization })],
    ] as const) {
      const invoked = Date.now();
      const context = { getRemainingTimeInMillis: () => lambdaTimeoutMs - (Date.now() - invoked) };
      const response = await handler(event, context);
      const ms = Date.now() - invoked;
      expect(response.statusCode).toBe(503);
      expect(JSON.parse(response.body ?? '{}')).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect(response.headers?.['retry-after']).toMatch(/^[1-9]\d*$/);
      // Answered after the deadline and before Lambda would have stopped it.
      expect(ms).toBeGreaterThanOrEqual(690);
      expect(ms).toBeLessThan(lambdaTimeoutMs);
    }
    expect(hanging.bytes()).toBeGreaterThan(0);
    // Logged as a failure, with the deadline as its cause.
    expect(JSON.stringify(deps.logger.error.mock.calls)).toContain('DeadlineExceededError');
  });

  it('with less than the margin and floor left, answers 503 at once, sending nothing to DynamoDB', async () => {
    const { authorization, list } = await handlers();
    const response = await list(managementEvent('GET /keys', { authorization }), { getRemainingTimeInMillis: () => DEADLINE_MARGIN_MS });
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body ?? '{}')).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(hanging.connections()).toBe(0);
  });
});
