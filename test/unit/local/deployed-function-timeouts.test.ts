import { App } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { AUTH0_WEBHOOK_ROUTE, ROUTES, type FunctionName } from '../../../lambdas/api-definition';
import {
  AUTH0_WEBHOOK_FUNCTION_TIMEOUT_SECONDS,
  AUTHORIZER_FUNCTION_TIMEOUT_SECONDS,
  MANAGEMENT_FUNCTION_TIMEOUT_SECONDS,
  MANAGEMENT_TIMEOUT_FUNCTIONS,
  ROUTE_FUNCTION_TIMEOUT_SECONDS,
} from '../../../lambdas/runtime/function-timeouts';
import { buildApp } from '../../../lib/app';
import { AUTH0_WEBHOOK_TIMEOUT } from '../../../lib/owner-events';
import { AUTHORIZER_TIMEOUT_MS, INTEGRATION_TIMEOUT_MS } from '../../../local/gateway';
import { localFunctionTimeoutMs } from '../../../local/local-system';
import { BASE_CONTEXT } from '../../infra/synth-context';

/**
 * One source for every function's timeout: what the stack deploys (read from its CloudFormation
 * resources, every route function and the authorizer) is what the local gateway enforces.
 */

const { stack } = buildApp(new App({ context: { ...BASE_CONTEXT, auth0EventsWebhook: true } }));
const deployedSeconds = (fn: { node: { defaultChild?: unknown } }): number => Number((fn.node.defaultChild as CfnFunction).timeout);
const served = [...ROUTES, AUTH0_WEBHOOK_ROUTE];
const functionNames = [...new Set(served.map((route) => route.function))];

describe('deployed function timeouts, the local gateway’s too', () => {
  it.each(functionNames)('%s: the local gateway enforces the timeout the stack deploys', (name: FunctionName) => {
    const fn = stack.keys.functions[name];
    expect(fn).toBeDefined();
    expect(deployedSeconds(fn!)).toBe(ROUTE_FUNCTION_TIMEOUT_SECONDS[name]);
    expect(localFunctionTimeoutMs(name)).toBe(deployedSeconds(fn!) * 1000);
  });

  it('the authorizer: deployed with 7 s, and the gateway gives it that (API Gateway would wait 10 s)', () => {
    expect(deployedSeconds(stack.keys.authorizerFunction)).toBe(AUTHORIZER_FUNCTION_TIMEOUT_SECONDS);
    expect(AUTHORIZER_TIMEOUT_MS).toBe(AUTHORIZER_FUNCTION_TIMEOUT_SECONDS * 1000);
  });

  it('key management and GitHub’s alerts have the management timeout; each function ends before the 30 s integration timeout', () => {
    const management = new Set([
      ...served.filter((route) => route.auth === 'accessToken').map((route) => route.function),
      'secretScanning',
    ]);
    expect([...MANAGEMENT_TIMEOUT_FUNCTIONS].sort()).toEqual([...management].sort());
    for (const name of MANAGEMENT_TIMEOUT_FUNCTIONS) expect(ROUTE_FUNCTION_TIMEOUT_SECONDS[name]).toBe(MANAGEMENT_FUNCTION_TIMEOUT_SECONDS);
    for (const name of functionNames) expect(ROUTE_FUNCTION_TIMEOUT_SECONDS[name] * 1000).toBeLessThan(INTEGRATION_TIMEOUT_MS);
  });

  it('the Auth0 webhook’s: the one lib/owner-events.ts deploys, a management call’s with room for the token’s read, under 30 s', () => {
    expect(AUTH0_WEBHOOK_TIMEOUT.toSeconds()).toBe(AUTH0_WEBHOOK_FUNCTION_TIMEOUT_SECONDS);
    expect(AUTH0_WEBHOOK_FUNCTION_TIMEOUT_SECONDS).toBeGreaterThan(MANAGEMENT_FUNCTION_TIMEOUT_SECONDS);
    expect(AUTH0_WEBHOOK_FUNCTION_TIMEOUT_SECONDS * 1000).toBeLessThan(INTEGRATION_TIMEOUT_MS);
  });

  it('a shorter management timeout for tests shortens those functions’ alone', () => {
    for (const name of functionNames) {
      expect(localFunctionTimeoutMs(name, 1500)).toBe(
        MANAGEMENT_TIMEOUT_FUNCTIONS.has(name) ? 1500 : ROUTE_FUNCTION_TIMEOUT_SECONDS[name] * 1000,
      );
    }
  });
});
