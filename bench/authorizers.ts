import type { TokenKeySource } from '../lambdas/domain/access-token';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { DEFAULT_KEY_POLICY } from '../lambdas/domain/key-policy';
import { NO_ROUTE_SCOPES } from '../lambdas/domain/route-scopes';
import { createAuthorizerHandler, type AuthorizerResult } from '../lambdas/handlers/authorizer';
import type { AssertionIssuer } from '../lambdas/domain/assertion-signer';
import type { AppLogger } from '../lambdas/observability/logger';
import type { MetricsSink } from '../lambdas/observability/verdict-metrics';
import { authorizerDependencies } from '../lambdas/runtime/authorizer-wiring';
import { KEY_PREFIX } from './fixtures';

export type Handler = (event: APIGatewayRequestAuthorizerEventV2) => Promise<AuthorizerResult>;

export interface AuthorizerOptions {
  /** 0 switches the in-instance verdict cache off. */
  readonly verdictCacheTtlSeconds: number;
  /** Instead of the run's (silenced) Powertools logger. */
  readonly logger?: AppLogger | undefined;
  /** Count verdicts into this sink, as the deployed authorizer does (none by default). */
  readonly metricsSink?: MetricsSink | undefined;
  /** Sign each fresh allow's identity assertion, as deployed (with a key in memory: no Secrets Manager). */
  readonly assertions?: AssertionIssuer | undefined;
  /** Accept access tokens (POST /oauth/token) keyed by these, as deployed. */
  readonly tokenKeys?: TokenKeySource | undefined;
}

/** Builds an authorizer over a table, wired as the Lambda entry point wires it. */
export type AuthorizerFactory = (tableName: string, options: AuthorizerOptions) => Handler;

/** Every authorizer shares the one counted client, so DynamoDB calls can be counted per figure. */
export function authorizerFactory(client: DynamoDBDocumentClient, logger: AppLogger): AuthorizerFactory {
  return (tableName, options) =>
    createAuthorizerHandler(
      authorizerDependencies({
        keys: { tableName, keyPrefix: KEY_PREFIX, policy: DEFAULT_KEY_POLICY, routeScopes: NO_ROUTE_SCOPES },
        client,
        logger: options.logger ?? logger,
        verdictCacheTtlSeconds: options.verdictCacheTtlSeconds,
        metricsSink: options.metricsSink,
        assertions: options.assertions,
        tokenKeys: options.tokenKeys,
      }),
    );
}

/** Fails the run if the authorizer's answer is not the expected one: a benchmark of wrong answers is worthless. */
export async function expectVerdict(handler: Handler, event: APIGatewayRequestAuthorizerEventV2, allowed: boolean): Promise<void> {
  const result = await handler(event);
  if (result.isAuthorized !== allowed) {
    throw new Error(
      `the authorizer ${result.isAuthorized ? 'allowed' : 'refused'} a key it should have ${allowed ? 'allowed' : 'refused'}`,
    );
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
