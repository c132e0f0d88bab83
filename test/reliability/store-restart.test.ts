import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_KEY_POLICY } from '../../lambdas/domain/key-policy';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb-local';
import { startLocalSystem, type LocalSystem } from '../../local/local-system';
import { LOCAL_AUDIENCE } from '../../local/settings';
import { freePort } from '../support/free-port';
import { capturingLogger } from '../support/local-system';
import { NO_ROUTE_SCOPES } from '../../lambdas/domain/route-scopes';

/**
 * DynamoDB dies under a running system and comes back: while it is down no
 * key is allowed (500 from the gateway, uncached) and management answers 503;
 * once it is back on the same port and data folder, the same running system
 * serves the same keys with the same verdicts, with no restart of its own.
 */

const START_TIMEOUT_MS = 30_000;
/** Each request while DynamoDB is down must still be answered, and soon (the SDK gives up on refused connections). */
const DOWN_ANSWER_BOUND_MS = 10_000;

interface Answer {
  status: number;
  body: any;
  headers: Headers;
  ms: number;
}

describe('DynamoDB Local is killed under a running system and restarted', () => {
  const started: DynamoDbLocal[] = [];
  let dataDir: string | undefined;
  let port: number;
  let system: LocalSystem | undefined;
  let token: string;
  const keys: { live?: { id: string; key: string }; revoked?: { id: string; key: string } } = {};

  async function call(path: string, init: RequestInit & { bearer?: string } = {}): Promise<Answer> {
    const { bearer, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (bearer !== undefined) headers.set('authorization', `Bearer ${bearer}`);
    if (rest.body !== undefined) headers.set('content-type', 'application/json');
    const begun = Date.now();
    const response = await fetch(`${system!.gatewayUrl}${path}`, { ...rest, headers, signal: AbortSignal.timeout(20_000) });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers, ms: Date.now() - begun };
  }

  const create = (name: string) => call('/keys', { method: 'POST', bearer: token, body: JSON.stringify({ name }) });
  const whoami = (key: string) => call('/whoami', { bearer: key });

  async function startDynamo(): Promise<DynamoDbLocal> {
    const instance = await startDynamoDbLocal({ port, dataDir: dataDir ?? '', startTimeoutMs: START_TIMEOUT_MS });
    started.push(instance);
    return instance;
  }

  /** Resolves once nothing accepts TCP connections on the port (the JVM is really gone). */
  async function portRefuses(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => {
        resolve(true);
      });
    });
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ddb-restart-'));
    port = await freePort();
    const dynamodb = await startDynamo();
    system = await startLocalSystem({
      port: 0,
      keys: { tableName: 'ApiKeys', keyPrefix: 'uak', policy: DEFAULT_KEY_POLICY, routeScopes: NO_ROUTE_SCOPES },
      dynamodb: { endpoint: dynamodb.endpoint },
      identity: { devPort: 0, audience: LOCAL_AUDIENCE },
      authorizerCacheTtlSeconds: 0,
      logger: capturingLogger(),
    });
    expect(system.tableCreated).toBe(true);
    token = await system.devIdentityProvider!.issueToken('auth0|restart-owner');
  }, 2 * START_TIMEOUT_MS);

  afterAll(async () => {
    await system?.stop().catch(() => undefined);
    // Every DynamoDB Local this file started, whether or not a test got as far as killing it.
    for (const instance of started) {
      if (instance.process.exitCode === null && instance.process.signalCode === null) instance.process.kill('SIGKILL');
      await instance.stop().catch(() => undefined);
    }
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves keys while DynamoDB is up: one live, one revoked', async () => {
    const live = await create('survives the outage');
    const doomed = await create('revoked before the outage');
    expect(live.status).toBe(201);
    expect(doomed.status).toBe(201);
    keys.live = live.body;
    keys.revoked = doomed.body;
    expect((await call(`/keys/${doomed.body.id}`, { method: 'DELETE', bearer: token })).status).toBe(204);
    expect(await whoami(live.body.key)).toMatchObject({ status: 200, body: { sub: 'auth0|restart-owner', keyId: live.body.id } });
    expect((await whoami(doomed.body.key)).status).toBe(403);
  });

  it('while DynamoDB is down: no allow (500, never 200), management 503 STORE_UNAVAILABLE with Retry-After', async () => {
    const dynamodb = started[started.length - 1]!;
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      dynamodb.process.once('exit', (_code, signal) => {
        resolve(signal);
      }),
    );
    expect(dynamodb.process.kill('SIGKILL')).toBe(true);
    expect(await exited).toBe('SIGKILL');
    expect(await portRefuses()).toBe(true);

    // A valid key, several times (a cached or lucky allow would show as a 200).
    for (let i = 0; i < 3; i += 1) {
      const answer = await whoami(keys.live!.key);
      expect(answer.status).toBe(500);
      expect(answer.body).toEqual({ message: 'Internal Server Error' });
      expect(answer.ms).toBeLessThan(DOWN_ANSWER_BOUND_MS);
    }
    // The revoked key is not allowed either.
    expect((await whoami(keys.revoked!.key)).status).toBe(500);
    // A mistyped key is refused without a database read, outage or not.
    const mistyped = `${keys.live!.key.slice(0, -8)}${keys.live!.key.slice(-8).split('').reverse().join('')}`;
    expect((await whoami(mistyped)).status).toBe(403);

    const attempts = [
      await create('during the outage'),
      await call('/keys', { bearer: token }),
      await call(`/keys/${keys.live!.id}`, { bearer: token }),
      await call(`/keys/${keys.live!.id}`, { method: 'DELETE', bearer: token }),
    ];
    for (const answer of attempts) {
      expect(answer.status).toBe(503);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      expect(answer.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      expect(Object.keys(answer.body).sort()).toEqual(['code', 'message']);
      expect(answer.body.code).toBe('STORE_UNAVAILABLE');
      expect(answer.ms).toBeLessThan(DOWN_ANSWER_BOUND_MS);
    }
  });

  it(
    'after DynamoDB Local restarts on the same port and data: the same running system recovers',
    async () => {
      const restarted = await startDynamo();
      expect(restarted.endpoint).toBe(system!.dynamodbEndpoint);

      // The live key works again, the revoked key is still refused: both verdicts came through the outage.
      expect(await whoami(keys.live!.key)).toMatchObject({ status: 200, body: { sub: 'auth0|restart-owner', keyId: keys.live!.id } });
      expect((await whoami(keys.revoked!.key)).status).toBe(403);
      // The DELETE attempted during the outage did nothing.
      expect((await call(`/keys/${keys.live!.id}`, { bearer: token })).body.status).toBe('active');

      // New creates work and their keys are accepted.
      const fresh = await create('after the outage');
      expect(fresh.status).toBe(201);
      expect((await whoami(fresh.body.key)).status).toBe(200);

      // The list holds exactly what happened before and after; nothing from the outage.
      const listed = await call('/keys', { bearer: token });
      expect(listed.status).toBe(200);
      const summary = Object.fromEntries(listed.body.keys.map((key: { name: string; status: string }) => [key.name, key.status]));
      expect(summary).toEqual({
        'survives the outage': 'active',
        'revoked before the outage': 'revoked',
        'after the outage': 'active',
      });
    },
    2 * START_TIMEOUT_MS,
  );
});
