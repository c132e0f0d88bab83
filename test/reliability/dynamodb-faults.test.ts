import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import {
  DynamoDBClient,
  InternalServerError,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ThrottlingException,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/lib-dynamodb';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { KeyFormat, type GeneratedKey } from '../../lambdas/domain/key-format';
import type { KeyPolicy } from '../../lambdas/domain/key-policy';
import { KeyService } from '../../lambdas/domain/key-service';
import { KeyVerifier } from '../../lambdas/domain/key-verifier';
import { hashSecret } from '../../lambdas/domain/secret-hash';
import { createAuthorizerHandler } from '../../lambdas/handlers/authorizer';
import { createCreateKeyHandler } from '../../lambdas/handlers/create-key';
import { createGetKeyHandler } from '../../lambdas/handlers/get-key';
import { createListKeysHandler } from '../../lambdas/handlers/list-keys';
import type { ManagementDependencies, ManagementHandler } from '../../lambdas/handlers/management-handler';
import { createRevokeKeyHandler } from '../../lambdas/handlers/revoke-key';
import type { HttpResponse } from '../../lambdas/http/responses';
import type { AppLogger } from '../../lambdas/observability/logger';
import { AUTHORIZER_DYNAMODB_TIMEOUTS, createDocumentClient, worstCaseMs } from '../../lambdas/runtime/clients';
import { DynamoKeyStore } from '../../lambdas/store/key-repository';
import { ownerItemKey } from '../../lambdas/store/table-schema';
import { freshTable } from '../support/dynamodb';
import { freePort } from '../support/free-port';
import { createTestVerifier, createTokenIssuer, type TokenIssuer } from '../support/tokens';
import { testKeyPolicy } from '../support/key-policy';
import { managementEvent as fixtureEvent } from '../support/management-event';

/**
 * DynamoDB faults, injected with aws-sdk-client-mock into the document client
 * that a real DynamoKeyStore uses, under the real handlers, KeyService,
 * KeyVerifier and AccessTokenVerifier. The authorizer must fail (never allow),
 * key management must answer 503 STORE_UNAVAILABLE with Retry-After, and a
 * create that fails half-way must leave nothing behind.
 */

const ALICE = 'auth0|alice';
// The real time (whole seconds): DynamoDB Local's TTL sweeper deletes keys that expired by the wall clock.
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const NOW_SECONDS = NOW.getTime() / 1000;
const TABLE_NAME = 'FaultyKeys';
const format = new KeyFormat('uak');
const policy: KeyPolicy = testKeyPolicy({ maxKeysPerUser: 3 });

type DocStub = AwsStub<ServiceInputTypes, ServiceOutputTypes, DynamoDBDocumentClientResolvedConfig>;
type Route = 'POST /keys' | 'GET /keys' | 'GET /keys/{id}' | 'DELETE /keys/{id}';

const metadata = (httpStatusCode: number) => ({ httpStatusCode, requestId: 'REQ0FAULTINJECTED', attempts: 3, totalRetryDelay: 240 });

/** The errors the SDK raises once its own retries are spent, as it raises them. */
const FAULTS: readonly (readonly [string, () => Error])[] = [
  [
    'ProvisionedThroughputExceededException',
    () =>
      new ProvisionedThroughputExceededException({
        message: 'The level of configured provisioned throughput for the table was exceeded. internal-detail-PTE',
        $metadata: metadata(400),
      }),
  ],
  [
    'ThrottlingException',
    () =>
      new ThrottlingException({
        message: 'Rate of requests exceeds the allowed throughput. internal-detail-THR',
        $metadata: metadata(400),
      }),
  ],
  [
    'RequestLimitExceeded',
    () =>
      new RequestLimitExceeded({
        message: 'Throughput exceeds the current throughput limit for your account. internal-detail-RLE',
        $metadata: metadata(400),
      }),
  ],
  [
    'InternalServerError (500)',
    () => new InternalServerError({ message: 'Internal server error internal-detail-ISE', $metadata: metadata(500) }),
  ],
  [
    'TimeoutError',
    // What @smithy/node-http-handler throws when a socket stays silent.
    () => Object.assign(new Error('Connection timed out after 800 ms internal-detail-TMO'), { name: 'TimeoutError' }),
  ],
  [
    'network error (ECONNREFUSED)',
    () =>
      Object.assign(new Error('connect ECONNREFUSED 10.11.12.13:8000 internal-detail-NET'), {
        code: 'ECONNREFUSED',
        errno: -111,
        syscall: 'connect',
        address: '10.11.12.13',
        port: 8000,
      }),
  ],
];

let tokens: TokenIssuer;
let aliceToken: string;

beforeAll(async () => {
  tokens = await createTokenIssuer();
  aliceToken = await tokens.signToken({ sub: ALICE });
});

function fakeLogger(): AppLogger {
  return { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };
}

/**
 * A document client that can never reach anything real (port 9 on loopback,
 * one attempt), its `send` replaced by a stub. Commands not set up by a test
 * are recorded as unexpected, so a test cannot pass because some command the
 * scenario did not intend failed instead.
 */
function mockedDocumentClient(): { client: DynamoDBDocumentClient; ddb: DocStub; unexpected: string[] } {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: 'http://127.0.0.1:9',
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    }),
  );
  const ddb = mockClient(client);
  const unexpected: string[] = [];
  ddb.callsFake((input: unknown) => {
    unexpected.push(JSON.stringify(input));
    throw new Error('unexpected command in this scenario');
  });
  return { client, ddb, unexpected };
}

function storeOver(client: DynamoDBDocumentClient): DynamoKeyStore {
  return new DynamoKeyStore({ client, tableName: TABLE_NAME, sleep: () => Promise.resolve() });
}

function managementHandlers(store: DynamoKeyStore, logger: AppLogger = fakeLogger()): Record<Route, ManagementHandler> {
  const deps: ManagementDependencies = {
    keys: new KeyService({ store, format, policy, clock: () => NOW }),
    tokens: createTestVerifier(tokens).verifier,
    logger,
  };
  return {
    'POST /keys': createCreateKeyHandler(deps),
    'GET /keys': createListKeysHandler(deps),
    'GET /keys/{id}': createGetKeyHandler(deps),
    'DELETE /keys/{id}': createRevokeKeyHandler(deps),
  };
}

function managementEvent(route: Route, options: { id?: string; body?: string; token?: string } = {}): APIGatewayProxyEventV2 {
  return fixtureEvent(route, {
    authorization: `Bearer ${options.token ?? aliceToken}`,
    body: options.body ?? JSON.stringify({ name: 'ci deploy', scopes: ['read'] }),
    ...(options.id !== undefined ? { id: options.id } : {}),
  });
}

function authorizerEvent(authorization: string): APIGatewayRequestAuthorizerEventV2 {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: 'arn:aws:execute-api:eu-west-1:123456789012:api/$default/GET/whoami',
    identitySource: [authorization],
    routeKey: 'GET /whoami',
    rawPath: '/whoami',
    rawQueryString: '',
    headers: { authorization, host: 'api.example.com' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method: 'GET', path: '/whoami', protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'test' },
      requestId: 'req',
      routeKey: 'GET /whoami',
      stage: '$default',
      time: '01/Jun/2026:12:00:00 +0000',
      timeEpoch: NOW.getTime(),
    },
  } as unknown as APIGatewayRequestAuthorizerEventV2;
}

/** The stored form of one of Alice's keys, valid for an hour. */
function aliceItem(key: GeneratedKey, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    pk: key.keyId,
    keyId: key.keyId,
    ownerId: ALICE,
    secretHash: hashSecret(key.secret),
    name: 'deploy script',
    scopes: ['read'],
    createdAt: NOW.toISOString(),
    expiresAt: NOW_SECONDS + 3600,
    ...overrides,
  };
}

/** 503, JSON exactly { code: 'STORE_UNAVAILABLE', message }, a Retry-After of whole seconds, nothing leaked. */
function expectStoreUnavailable(response: HttpResponse, fault: Error): void {
  expect(response.statusCode).toBe(503);
  const headers = Object.fromEntries(Object.entries(response.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]));
  expect(headers['content-type']).toMatch(/^application\/json/);
  expect(headers['retry-after']).toMatch(/^[1-9]\d*$/);
  const body = JSON.parse(response.body ?? 'null') as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['code', 'message']);
  expect(body.code).toBe('STORE_UNAVAILABLE');
  expect(typeof body.message).toBe('string');
  expect((body.message as string).length).toBeGreaterThan(0);
  // The store's own wording, never the SDK's message, a host or a stack.
  expect(response.body).not.toContain('internal-detail');
  expect(response.body).not.toContain(fault.message);
  expect(response.body).not.toMatch(/\bat .+\.ts:\d+|10\.11\.12\.13|ECONNREFUSED|TimeoutError/);
}

interface ManagementScenario {
  readonly name: string;
  readonly route: Route;
  /** Sets the mock up so that `failing` (a command class) throws `fault` and the rest answer plausibly. */
  readonly arrange: (ddb: DocStub, fault: Error, key: GeneratedKey) => void;
  /** How often the command the fault was injected into was sent: at least once, or the fault was never on the path. */
  readonly failingCalls: (ddb: DocStub) => number;
}

const MANAGEMENT_SCENARIOS: readonly ManagementScenario[] = [
  {
    name: 'POST /keys, ensuring the owner item fails',
    route: 'POST /keys',
    failingCalls: (ddb) => ddb.commandCalls(UpdateCommand).length,
    arrange: (ddb, fault) => void ddb.on(UpdateCommand).rejects(fault),
  },
  {
    name: 'POST /keys, the create transaction fails',
    route: 'POST /keys',
    failingCalls: (ddb) => ddb.commandCalls(TransactWriteCommand).length,
    arrange: (ddb, fault) => {
      ddb.on(UpdateCommand).resolves({});
      ddb.on(TransactWriteCommand).rejects(fault);
    },
  },
  {
    name: 'GET /keys, the owner-index query fails',
    route: 'GET /keys',
    failingCalls: (ddb) => ddb.commandCalls(QueryCommand).length,
    arrange: (ddb, fault) => {
      ddb.on(QueryCommand).rejects(fault);
      ddb.on(GetCommand).resolves({ Item: { pk: ownerItemKey(ALICE), activeKeys: {} } });
    },
  },
  {
    name: 'GET /keys, reading the owner item fails',
    route: 'GET /keys',
    failingCalls: (ddb) => ddb.commandCalls(GetCommand).length,
    arrange: (ddb, fault) => {
      ddb.on(QueryCommand).resolves({ Items: [] });
      ddb.on(GetCommand).rejects(fault);
    },
  },
  {
    name: 'GET /keys, re-reading a key the index lags on fails',
    route: 'GET /keys',
    failingCalls: (ddb) => ddb.commandCalls(BatchGetCommand).length,
    arrange: (ddb, fault, key) => {
      ddb.on(QueryCommand).resolves({ Items: [] });
      ddb.on(GetCommand).resolves({ Item: { pk: ownerItemKey(ALICE), activeKeys: { [key.keyId]: NOW_SECONDS + 3600 } } });
      ddb.on(BatchGetCommand).rejects(fault);
    },
  },
  {
    name: 'GET /keys/{id}, reading the key fails',
    route: 'GET /keys/{id}',
    failingCalls: (ddb) => ddb.commandCalls(GetCommand).length,
    arrange: (ddb, fault) => void ddb.on(GetCommand).rejects(fault),
  },
  {
    name: 'DELETE /keys/{id}, reading the key fails',
    route: 'DELETE /keys/{id}',
    failingCalls: (ddb) => ddb.commandCalls(GetCommand).length,
    arrange: (ddb, fault) => void ddb.on(GetCommand).rejects(fault),
  },
  {
    name: 'DELETE /keys/{id}, the revoke transaction fails',
    route: 'DELETE /keys/{id}',
    failingCalls: (ddb) => ddb.commandCalls(TransactWriteCommand).length,
    arrange: (ddb, fault, key) => {
      ddb.on(GetCommand).resolves({ Item: aliceItem(key) });
      ddb.on(TransactWriteCommand).rejects(fault);
    },
  },
];

describe.each(FAULTS)('DynamoDB fault: %s', (_name, makeFault) => {
  it('the authorizer rejects (API Gateway answers 500, uncached) and never allows', async () => {
    const { client, ddb, unexpected } = mockedDocumentClient();
    const key = format.generate();
    const fault = makeFault();
    ddb.on(GetCommand).rejects(fault);
    const logger = fakeLogger();
    const handler = createAuthorizerHandler({
      verifier: new KeyVerifier({ store: storeOver(client), format, clock: () => NOW }),
      logger,
    });

    const outcome = await handler(authorizerEvent(`Bearer ${key.key}`)).then(
      (result) => ({ returned: result }),
      (error: unknown) => ({ threw: error }),
    );

    expect(outcome).not.toHaveProperty('returned');
    expect(outcome).toHaveProperty('threw');
    // It read the key (the fault was really on the path), once.
    expect(ddb.commandCalls(GetCommand)).toHaveLength(1);
    expect(ddb.commandCalls(GetCommand)[0]?.args[0].input).toMatchObject({ Key: { pk: key.keyId }, ConsistentRead: true });
    expect(unexpected).toEqual([]);
    expect(logger.error).toHaveBeenCalled();
    // Basic credentials take the same path.
    const basic = `Basic ${Buffer.from(`${key.keyId}:${key.key}`).toString('base64')}`;
    await expect(handler(authorizerEvent(basic))).rejects.toBeDefined();
    expect(ddb.commandCalls(GetCommand)).toHaveLength(2);
  });

  it.each(MANAGEMENT_SCENARIOS.map((scenario) => [scenario.name, scenario] as const))(
    '%s: 503 STORE_UNAVAILABLE with Retry-After',
    async (_scenarioName, scenario) => {
      const { client, ddb, unexpected } = mockedDocumentClient();
      const key = format.generate();
      const fault = makeFault();
      scenario.arrange(ddb, fault, key);
      const logger = fakeLogger();
      const handlers = managementHandlers(storeOver(client), logger);

      const response = await handlers[scenario.route](
        managementEvent(scenario.route, scenario.route.includes('{id}') ? { id: key.keyId } : {}),
      );

      expectStoreUnavailable(response, fault);
      expect(scenario.failingCalls(ddb)).toBeGreaterThanOrEqual(1);
      expect(unexpected).toEqual([]);
      // Logged as a failure for operators, with the cause, never the token.
      expect(logger.error).toHaveBeenCalled();
      expect(JSON.stringify((logger.error as jest.Mock).mock.calls)).not.toContain(aliceToken);
    },
  );
});

describe('transaction faults specific to writes', () => {
  const conflict = () => new TransactionConflictException({ message: 'Transaction is ongoing for the item', $metadata: metadata(400) });
  const throttledTransaction = () =>
    new TransactionCanceledException({
      message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ThrottlingError]',
      $metadata: metadata(400),
      CancellationReasons: [{ Code: 'None' }, { Code: 'ThrottlingError', Message: 'Throughput exceeds the current capacity' }],
    });

  it.each<[string, Route]>([
    ['POST /keys', 'POST /keys'],
    ['DELETE /keys/{id}', 'DELETE /keys/{id}'],
  ])('%s: a conflict that never clears is retried a bounded number of times, then 503', async (_label, route) => {
    const { client, ddb, unexpected } = mockedDocumentClient();
    const key = format.generate();
    ddb.on(UpdateCommand).resolves({});
    ddb.on(GetCommand).resolves({ Item: aliceItem(key) });
    ddb.on(TransactWriteCommand).rejects(conflict());
    const store = new DynamoKeyStore({ client, tableName: TABLE_NAME, maxConflictRetries: 4, sleep: () => Promise.resolve() });

    const response = await managementHandlers(store)[route](managementEvent(route, route === 'POST /keys' ? {} : { id: key.keyId }));

    expectStoreUnavailable(response, conflict());
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(5);
    expect(unexpected).toEqual([]);
  });

  it.each<[string, Route]>([
    ['POST /keys', 'POST /keys'],
    ['DELETE /keys/{id}', 'DELETE /keys/{id}'],
  ])('%s: a transaction cancelled for throttling (not a condition) is a 503, not a 409 or 404', async (_label, route) => {
    const { client, ddb, unexpected } = mockedDocumentClient();
    const key = format.generate();
    ddb.on(UpdateCommand).resolves({});
    ddb.on(GetCommand).resolves({ Item: aliceItem(key) });
    ddb.on(TransactWriteCommand).rejects(throttledTransaction());

    const response = await managementHandlers(storeOver(client))[route](
      managementEvent(route, route === 'POST /keys' ? {} : { id: key.keyId }),
    );

    expectStoreUnavailable(response, throttledTransaction());
    expect(unexpected).toEqual([]);
  });
});

describe('real network faults, through the SDK with the authorizer’s timeouts', () => {
  let hanging: TcpServer | undefined;
  const sockets = new Set<Socket>();

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => {
      if (hanging)
        hanging.close(() => {
          resolve();
        });
      else resolve();
    });
  });

  it('nothing listening (ECONNREFUSED): the authorizer rejects, management answers 503', async () => {
    const port = await freePort();
    const client = createDocumentClient({ endpoint: `http://127.0.0.1:${port}`, timeouts: AUTHORIZER_DYNAMODB_TIMEOUTS });
    try {
      const store = new DynamoKeyStore({ client, tableName: TABLE_NAME });
      const key = format.generate();
      const handler = createAuthorizerHandler({ verifier: new KeyVerifier({ store, format }), logger: fakeLogger() });
      const started = Date.now();
      await expect(handler(authorizerEvent(`Bearer ${key.key}`))).rejects.toBeDefined();
      expect(Date.now() - started).toBeLessThan(worstCaseMs(AUTHORIZER_DYNAMODB_TIMEOUTS));

      const response = await managementHandlers(store)['POST /keys'](managementEvent('POST /keys'));
      expect(response.statusCode).toBe(503);
      expect(JSON.parse(response.body ?? '{}')).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect(response.headers?.['retry-after']).toMatch(/^[1-9]\d*$/);
    } finally {
      client.destroy();
    }
  });

  it('a DynamoDB that accepts connections and never answers: the authorizer gives up within its worst case', async () => {
    hanging = createTcpServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.resume(); // read the request, never answer
    });
    const port = await new Promise<number>((resolve) =>
      hanging!.listen(0, '127.0.0.1', () => {
        resolve((hanging!.address() as { port: number }).port);
      }),
    );
    const client = createDocumentClient({ endpoint: `http://127.0.0.1:${port}`, timeouts: AUTHORIZER_DYNAMODB_TIMEOUTS });
    try {
      const store = new DynamoKeyStore({ client, tableName: TABLE_NAME });
      const key = format.generate();
      const handler = createAuthorizerHandler({ verifier: new KeyVerifier({ store, format }), logger: fakeLogger() });
      const bound = worstCaseMs(AUTHORIZER_DYNAMODB_TIMEOUTS);
      const started = Date.now();
      // Wait for the verdict, but not forever: a handler still pending after
      // the bound has failed this test (in Lambda it would be killed at its
      // timeout; locally the request would hang).
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        handler(authorizerEvent(`Bearer ${key.key}`)).then(
          (result) => ({ kind: 'returned' as const, result }),
          (error: unknown) => ({ kind: 'threw' as const, error }),
        ),
        new Promise<{ kind: 'still pending' }>((resolve) => {
          timer = setTimeout(() => {
            resolve({ kind: 'still pending' });
          }, bound + 1000);
        }),
      ]);
      clearTimeout(timer);
      const elapsed = Date.now() - started;
      expect(outcome.kind).toBe('threw');
      // It waited for the request timeout (so this really was the timeout path)...
      expect(elapsed).toBeGreaterThanOrEqual(AUTHORIZER_DYNAMODB_TIMEOUTS.requestTimeoutMs);
      // ...and gave up inside the bound lib/ sets the function timeout from.
      expect(elapsed).toBeLessThan(bound);
      expect(sockets.size).toBeGreaterThanOrEqual(1);
    } finally {
      client.destroy();
    }
  });
});

/**
 * With a real table: the create's first step (ensuring the owner item) goes
 * to DynamoDB Local, its transaction fails. Nothing of the key may remain,
 * and the owner's slots must be untouched.
 */
describe('a create that fails half-way leaves no partial write (DynamoDB Local)', () => {
  let client: DynamoDBDocumentClient;
  let tableName: string;
  let store: DynamoKeyStore;
  let handlers: Record<Route, ManagementHandler>;
  let ddb: DocStub | undefined;

  beforeAll(async () => {
    ({ client, tableName } = await freshTable());
    store = new DynamoKeyStore({ client, tableName });
    handlers = managementHandlers(store);
  });
  afterEach(() => {
    ddb?.restore();
    ddb = undefined;
  });
  afterAll(() => {
    client.destroy();
  });

  /** Every item in the table (it is small), read straight from DynamoDB Local. */
  async function scanAll(): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return items;
  }

  async function activeKeys(owner: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { pk: ownerItemKey(owner) }, ConsistentRead: true }));
    return Item?.activeKeys as Record<string, unknown> | undefined;
  }

  /** From now on, TransactWriteItems throws `fault` without reaching DynamoDB; everything else goes through. */
  function failTransactions(fault: Error): DocStub {
    ddb = mockClient(client);
    ddb.send.callThrough();
    ddb.on(TransactWriteCommand).rejects(fault);
    return ddb;
  }

  async function create(token: string, name: string): Promise<HttpResponse> {
    return handlers['POST /keys'](managementEvent('POST /keys', { token, body: JSON.stringify({ name }) }));
  }

  it.each(FAULTS)('%s in the transaction', async (faultName, makeFault) => {
    const owner = `auth0|partial-${faultName.replace(/\W+/g, '-')}`;
    const token = await tokens.signToken({ sub: owner });
    // One key already, so the owner item exists with one slot taken.
    const first = await create(token, 'existing');
    expect(first.statusCode).toBe(201);
    const slotsBefore = await activeKeys(owner);
    expect(Object.keys(slotsBefore ?? {})).toEqual([JSON.parse(first.body ?? '{}').id]);
    const itemsBefore = await scanAll();

    const fault = makeFault();
    const stub = failTransactions(fault);
    const failed = await create(token, 'doomed');
    expectStoreUnavailable(failed, fault);
    // The failure really was the second step: the owner item was ensured for real first.
    expect(stub.commandCalls(UpdateCommand).length).toBeGreaterThanOrEqual(1);
    const transactions = stub.commandCalls(TransactWriteCommand);
    expect(transactions).toHaveLength(1);
    const attemptedId = (transactions[0]?.args[0].input.TransactItems?.[1]?.Put?.Item as { pk?: string } | undefined)?.pk;
    expect(attemptedId).toMatch(/^[0-9A-Za-z]{22}$/);
    stub.restore();
    ddb = undefined;

    // No key item under the attempted id, no new item anywhere, no slot taken.
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { pk: attemptedId }, ConsistentRead: true }));
    expect(Item).toBeUndefined();
    const itemsAfter = await scanAll();
    expect(itemsAfter.map((item) => item.pk).sort()).toEqual(itemsBefore.map((item) => item.pk).sort());
    expect(await activeKeys(owner)).toEqual(slotsBefore);
    const listed = await handlers['GET /keys'](managementEvent('GET /keys', { token }));
    expect(JSON.parse(listed.body ?? '{}').keys.map((key: { name: string }) => key.name)).toEqual(['existing']);

    // The owner can still fill exactly `limit` slots: limit - 1 more, then 409.
    for (let i = 1; i < policy.maxKeysPerUser; i += 1) {
      expect((await create(token, `after ${i}`)).statusCode).toBe(201);
    }
    const over = await create(token, 'one too many');
    expect(over.statusCode).toBe(409);
    expect(JSON.parse(over.body ?? '{}').code).toBe('KEY_LIMIT_REACHED');
    expect(Object.keys((await activeKeys(owner)) ?? {})).toHaveLength(policy.maxKeysPerUser);
  });

  it('a brand-new owner whose first create fails can still create exactly `limit` keys', async () => {
    const owner = 'auth0|first-create-fails';
    const token = await tokens.signToken({ sub: owner });
    const fault = new InternalServerError({ message: 'Internal server error', $metadata: metadata(500) });
    failTransactions(fault);
    expectStoreUnavailable(await create(token, 'doomed'), fault);
    ddb?.restore();
    ddb = undefined;

    expect(await activeKeys(owner)).toEqual({});
    expect((await scanAll()).filter((item) => item.ownerId === owner)).toEqual([]);
    const statuses: number[] = [];
    for (let i = 0; i <= policy.maxKeysPerUser; i += 1) statuses.push((await create(token, `key ${i}`)).statusCode);
    expect(statuses).toEqual([...Array<number>(policy.maxKeysPerUser).fill(201), 409]);
  });

  it('a create that committed but whose answer was lost (503) leaves a key its owner can see and revoke to free the slot', async () => {
    const owner = 'auth0|answer-lost';
    const token = await tokens.signToken({ sub: owner });
    const realSend = client.send.bind(client) as (command: TransactWriteCommand) => Promise<unknown>;
    const fault = Object.assign(new Error('Connection timed out after 15000 ms'), { name: 'TimeoutError' });
    const stub = mockClient(client);
    ddb = stub;
    stub.send.callThrough();
    stub.on(TransactWriteCommand).callsFake(async (input: TransactWriteCommand['input']) => {
      await realSend(new TransactWriteCommand(input)); // DynamoDB commits...
      throw fault; // ...and the answer never arrives
    });
    expectStoreUnavailable(await create(token, 'answer lost'), fault);
    stub.restore();
    ddb = undefined;

    // The outcome was unknown to the client; the owner must be able to find out and clean up.
    const listed = JSON.parse((await handlers['GET /keys'](managementEvent('GET /keys', { token }))).body ?? '{}') as {
      keys: { id: string; name: string; status: string }[];
    };
    expect(listed.keys).toEqual([expect.objectContaining({ name: 'answer lost', status: 'active' })]);
    const orphan = listed.keys[0]!.id;
    expect(Object.keys((await activeKeys(owner)) ?? {})).toEqual([orphan]);
    const revoked = await handlers['DELETE /keys/{id}'](managementEvent('DELETE /keys/{id}', { token, id: orphan }));
    expect(revoked.statusCode).toBe(204);
    const statuses: number[] = [];
    for (let i = 0; i <= policy.maxKeysPerUser; i += 1) statuses.push((await create(token, `key ${i}`)).statusCode);
    expect(statuses).toEqual([...Array<number>(policy.maxKeysPerUser).fill(201), 409]);
  });

  it('a failed revoke changes nothing: the key still works, and a retry revokes it', async () => {
    const owner = 'auth0|revoke-fails';
    const token = await tokens.signToken({ sub: owner });
    const created = JSON.parse((await create(token, 'keep me')).body ?? '{}') as { id: string; key: string };
    const verifier = new KeyVerifier({ store, format, clock: () => NOW });
    const fault = new ThrottlingException({ message: 'Rate exceeded', $metadata: metadata(400) });
    failTransactions(fault);
    const failed = await handlers['DELETE /keys/{id}'](managementEvent('DELETE /keys/{id}', { token, id: created.id }));
    expectStoreUnavailable(failed, fault);
    ddb?.restore();
    ddb = undefined;

    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { pk: created.id }, ConsistentRead: true }));
    expect(Item).toBeDefined();
    expect(Item?.revokedAt).toBeUndefined();
    expect(Object.keys((await activeKeys(owner)) ?? {})).toEqual([created.id]);
    await expect(verifier.verify(`Bearer ${created.key}`)).resolves.toMatchObject({ valid: true });

    const retried = await handlers['DELETE /keys/{id}'](managementEvent('DELETE /keys/{id}', { token, id: created.id }));
    expect(retried.statusCode).toBe(204);
    await expect(verifier.verify(`Bearer ${created.key}`)).resolves.toMatchObject({ valid: false });
    expect(await activeKeys(owner)).toEqual({});
  });
});
