import type { APIGatewayProxyEventV2WithLambdaAuthorizer } from 'aws-lambda';
import type { AssertionVerifier } from '../auth/assertion-verifier';
import type { WhoamiBody } from '../http/response-schemas';
import { errorResponse, jsonResponse, type HttpResponse } from '../http/responses';
import type { KeyContext } from './authorizer';

export interface WhoamiDependencies {
  readonly assertions: Pick<AssertionVerifier, 'verify'>;
}

/**
 * GET /whoami: the sample protected backend. It does what a backend should:
 * believes only the gateway's signed assertion, verified against the JWKS,
 * and answers who the key acts as from its claims (401 INVALID_ASSERTION
 * without a valid one).
 */
export function createWhoamiHandler(deps: WhoamiDependencies) {
  return async (event: APIGatewayProxyEventV2WithLambdaAuthorizer<Partial<KeyContext>>): Promise<HttpResponse> => {
    try {
      // A route wired without the authorizer has no context at all: then there is no assertion either (401).
      const context = (event.requestContext as { authorizer?: { lambda?: Partial<KeyContext> } }).authorizer?.lambda;
      const { sub, keyId, scopes, kid } = await deps.assertions.verify(context?.assertion);
      return jsonResponse(200, { sub, keyId, scopes, assertion: { verified: true, kid } } satisfies WhoamiBody);
    } catch (error) {
      return errorResponse(error);
    }
  };
}
