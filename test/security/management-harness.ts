/**
 * The key-management handlers wired as in production, over the in-memory store
 * and a real AccessTokenVerifier, plus the real authorizer over the same store,
 * for the security tier. Requests are the proxy-event fixture re-aimed at a route.
 */
import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import type { Clock } from '../../lambdas/domain/key-store';
import { KeyFormat } from '../../lambdas/domain/key-format';
import type { KeyPolicy } from '../../lambdas/domain/key-policy';
import { KeyService } from '../../lambdas/domain/key-service';
import { KeyVerifier } from '../../lambdas/domain/key-verifier';
import { hashSecret } from '../../lambdas/domain/secret-hash';
import { createAuthorizerHandler } from '../../lambdas/handlers/authorizer';
import { createCreateKeyHandler } from '../../lambdas/handlers/create-key';
import { createGetKeyHandler } from '../../lambdas/handlers/get-key';
import { createListKeysHandler } from '../../lambdas/handlers/list-keys';
import type { ManagementHandler } from '../../lambdas/handlers/management-handler';
import { createRevokeKeyHandler } from '../../lambdas/handlers/revoke-key';
import type { HttpResponse } from '../../lambdas/http/responses';
import type { AppLogger } from '../../lambdas/observability/logger';
import authorizerEventFixture from '../fixtures/authorizer-event.json';
import { InMemoryKeyStore } from '../support/in-memory-key-store';
import { managementEvent as fixtureEvent } from '../support/management-event';
import { createTestVerifier, type TokenIssuer } from '../support/tokens';

export type Route = 'POST /keys' | 'GET /keys' | 'GET /keys/{id}' | 'DELETE /keys/{id}';
export const ROUTES: readonly Route[] = ['POST /keys', 'GET /keys', 'GET /keys/{id}', 'DELETE /keys/{id}'];

export interface RequestOptions {
  /** An access token, or null for no Authorization header. */
  readonly token: string | null;
  /** A raw Authorization header, instead of `token`. */
  readonly authorization?: string;
  /** The raw body (POST only); defaults to a valid create request. */
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly id?: string;
}

export interface CreatedKey {
  readonly id: string;
  readonly key: string;
  readonly name: string;
  readonly scopes: string[];
  readonly createdAt: string;
  readonly expiresAt: string;
  /** Parsed out of `key`, for searching responses and logs. */
  readonly secret: string;
  /** SHA-256 hex of the secret, as stored. */
  readonly hash: string;
}

export const DEFAULT_BODY = '{"name":"ci deploy","scopes":["orders:read"]}';

/** Every logger call with every argument, as JSON text on demand. */
export function recordingLogger(): AppLogger & { readonly calls: unknown[][]; text(): string } {
  const calls: unknown[][] = [];
  const record = (...args: unknown[]) => void calls.push(args);
  return { debug: record, info: record, warn: record, error: record, calls, text: () => JSON.stringify(calls, jsonSafe) };
}

/** JSON.stringify replacer that keeps what an Error carries (message, stack, cause) and bigints. */
export function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack, cause: value.cause };
  return value;
}

/** The proxy-event fixture aimed at `route`, with `token` as a Bearer token unless a raw `authorization` is given. */
export function managementEvent(route: Route, options: RequestOptions): APIGatewayProxyEventV2 {
  const authorization = options.authorization ?? (options.token !== null ? `Bearer ${options.token}` : undefined);
  return fixtureEvent(route, {
    ...(authorization !== undefined ? { authorization } : {}),
    body: options.body ?? DEFAULT_BODY,
    ...(options.isBase64Encoded !== undefined ? { isBase64Encoded: options.isBase64Encoded } : {}),
    ...(options.id !== undefined ? { id: options.id } : {}),
  });
}

export function bodyOf(response: HttpResponse): any {
  return response.body === undefined ? undefined : JSON.parse(response.body);
}

export interface Harness {
  readonly store: InMemoryKeyStore;
  readonly logger: ReturnType<typeof recordingLogger>;
  readonly format: KeyFormat;
  readonly handlers: Record<Route, ManagementHandler>;
  call(route: Route, options: RequestOptions): Promise<HttpResponse>;
  /** POST /keys, expecting 201; the key's secret and hash parsed out. */
  createKey(token: string, body?: string): Promise<CreatedKey>;
  /** The real authorizer's verdict for an Authorization header. */
  authorize(authorization: string): Promise<boolean>;
}

export function createHarness(tokens: TokenIssuer, policy: KeyPolicy, clock: Clock): Harness {
  const store = new InMemoryKeyStore();
  const logger = recordingLogger();
  const format = new KeyFormat('uak');
  const deps = { keys: new KeyService({ store, format, policy, clock }), tokens: createTestVerifier(tokens).verifier, logger };
  const handlers: Record<Route, ManagementHandler> = {
    'POST /keys': createCreateKeyHandler(deps),
    'GET /keys': createListKeysHandler(deps),
    'GET /keys/{id}': createGetKeyHandler(deps),
    'DELETE /keys/{id}': createRevokeKeyHandler(deps),
  };
  const authorizer = createAuthorizerHandler({ verifier: new KeyVerifier({ store, format, clock }), logger, logAllows: true });
  const call: Harness['call'] = (route, options) => handlers[route](managementEvent(route, options));
  return {
    store,
    logger,
    format,
    handlers,
    call,
    async createKey(token, body = DEFAULT_BODY) {
      const response = await call('POST /keys', { token, body });
      if (response.statusCode !== 201) throw new Error(`create answered ${response.statusCode}: ${response.body}`);
      const created = bodyOf(response) as Omit<CreatedKey, 'secret' | 'hash'>;
      const parsed = format.parse(created.key);
      if (!parsed.ok) throw new Error('the created key does not parse');
      return { ...created, secret: parsed.key.secret, hash: hashSecret(parsed.key.secret) };
    },
    async authorize(authorization) {
      const event = structuredClone(authorizerEventFixture) as unknown as APIGatewayRequestAuthorizerEventV2;
      event.headers = { ...event.headers, authorization };
      event.identitySource = [authorization];
      return (await authorizer(event)).isAuthorized;
    },
  };
}
