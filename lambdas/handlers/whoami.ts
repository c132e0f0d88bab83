import type { APIGatewayProxyEventV2WithLambdaAuthorizer } from 'aws-lambda';
import { jsonResponse, type HttpResponse } from '../http/responses';
import type { KeyContext } from './authorizer';

/** GET /whoami: the sample protected route; echoes who the API key acts as. */
export function whoamiHandler(event: APIGatewayProxyEventV2WithLambdaAuthorizer<KeyContext>): Promise<HttpResponse> {
  const { sub, keyId, scopes } = event.requestContext.authorizer.lambda;
  return Promise.resolve(jsonResponse(200, { sub, keyId, scopes }));
}
