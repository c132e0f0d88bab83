import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApiDocument } from '../../lambdas/openapi/document';
import type { GatewayExchange } from '../../local/gateway';
import { createResponseChecker } from '../../local/openapi-response-check';
import { DEFAULT_KEY_POLICY } from '../../lambdas/domain/key-policy';
import { allowedKeyScopes } from '../../lambdas/domain/route-scopes';
import type { AppLogger } from '../../lambdas/observability/logger';
import { startLocalSystem, type LocalSystem, type LocalSystemOptions } from '../../local/local-system';
import { LOCAL_AUDIENCE } from '../../local/settings';
import { SETTINGS } from '../../lambdas/settings/schema';
import { testDynamoDb } from './dynamodb';
import { WIDE_OWNER_BUDGET } from './key-policy';

/** A clock the test moves by hand. */
export class ManualClock {
  constructor(private current: Date = new Date()) {}
  readonly now = (): Date => new Date(this.current);
  advance(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}

/** A logger that keeps every call, so tests can search logs for secrets. */
export function capturingLogger(): AppLogger & { lines: () => string } {
  const calls: unknown[][] = [];
  const record = (...args: unknown[]) => void calls.push(args);
  return { debug: record, info: record, warn: record, error: record, lines: () => JSON.stringify(calls) };
}

export interface TestSystem extends LocalSystem {
  readonly clock: ManualClock;
  readonly logger: ReturnType<typeof capturingLogger>;
  call(path: string, init?: RequestInit & { token?: string; key?: string }): Promise<{ status: number; body: any; headers: Headers }>;
  tokenFor(user: string, extra?: Record<string, string>): Promise<string>;
}

/** As `npm start`: `GET /whoami` needs `read`; keys may also carry `write`. */
export const TEST_ROUTE_SCOPES = SETTINGS.routeScopes.localDefault;
/** Each owner's budget of creates is wide here: these suites race and repeat creates; its own suite sets a small one. */
export const TEST_KEY_POLICY = {
  ...DEFAULT_KEY_POLICY,
  allowedScopes: allowedKeyScopes(TEST_ROUTE_SCOPES, ['write']),
  ownerBudget: WIDE_OWNER_BUDGET,
};

/**
 * Every answer of every suite's gateway is held to the OpenAPI document (local/openapi-response-check.ts): the
 * suite's `stop()` fails, listing each answer the document does not describe, so no suite opts in by hand.
 */
function documentedResponses(keyHeader: string | undefined, also: LocalSystemOptions['onResponse']) {
  const checker = createResponseChecker(openApiDocument({ keyHeader }));
  const violations: string[] = [];
  return {
    onResponse: (exchange: GatewayExchange) => {
      also?.(exchange);
      const problem = checker.check(exchange);
      if (problem !== undefined) violations.push(problem);
    },
    assertDescribed: () => {
      assertNoViolations(violations);
    },
  };
}

function assertNoViolations(violations: readonly string[]): void {
  if (violations.length > 0) {
    throw new Error(`${violations.length} answer(s) the OpenAPI document does not describe:\n${[...new Set(violations)].join('\n')}`);
  }
}

/**
 * The same check for a suite that spawns `npm start` (local/main.ts): pass `env` to it, and call `assertDescribed`
 * once it has stopped (in afterAll).
 */
export function npmStartResponseCheck(): { readonly env: { OPENAPI_VIOLATIONS_FILE: string }; assertDescribed(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'uak-openapi-'));
  const file = join(dir, 'violations.txt');
  return {
    env: { OPENAPI_VIOLATIONS_FILE: file },
    assertDescribed: () => {
      const lines = existsSync(file)
        ? readFileSync(file, 'utf8')
            .split('\n')
            .filter((line) => line !== '')
        : [];
      rmSync(dir, { recursive: true, force: true });
      assertNoViolations(lines);
    },
  };
}

/** The local system on the shared DynamoDB Local, a fresh table, random ports. */
export async function startTestSystem(overrides: Partial<LocalSystemOptions> = {}): Promise<TestSystem> {
  const clock = new ManualClock();
  const logger = capturingLogger();
  const responses = documentedResponses(overrides.keyHeader, overrides.onResponse);
  const started = await startLocalSystem({
    port: 0,
    keys: {
      tableName: `e2e${randomUUID().replace(/-/g, '')}`,
      keyPrefix: 'uak',
      policy: TEST_KEY_POLICY,
      routeScopes: TEST_ROUTE_SCOPES,
    },
    dynamodb: testDynamoDb(),
    identity: { devPort: 0, audience: LOCAL_AUDIENCE },
    authorizerCacheTtlSeconds: 0,
    throttle: false, // races and load tests measure the service, not the gateway's budget
    logger,
    clock: clock.now,
    ...overrides,
    onResponse: responses.onResponse,
  });
  const stopSystem = started.stop.bind(started);
  const system = Object.assign(started, {
    stop: async () => {
      await stopSystem();
      responses.assertDescribed();
    },
  });
  const call: TestSystem['call'] = async (path, init = {}) => {
    const { token, key, ...rest } = init;
    const headers = new Headers(rest.headers);
    const credential = token ?? key;
    if (credential !== undefined) headers.set('authorization', `Bearer ${credential}`);
    const response = await fetch(`${system.gatewayUrl}${path}`, { ...rest, headers });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
  };
  const tokenFor: TestSystem['tokenFor'] = async (user, extra = {}) => {
    const idp = system.devIdentityProvider;
    if (idp === undefined) throw new Error('no development identity provider');
    const response = await fetch(`${idp.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: user, ...extra }),
    });
    const body = (await response.json()) as { access_token: string };
    return body.access_token;
  };
  return Object.assign(system, { clock, logger, call, tokenFor });
}
