import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { TokenExchange } from '../domain/token-exchange';
import { OAuthError, type OAuthErrorCode } from '../domain/token-request';
import { parseTokenRequest } from '../domain/token-request';
import { bodyBytes, header } from '../http/request';
import type { OAuthErrorBody, TokenGrantBody } from '../http/response-schemas';
import { errorResponse, jsonResponse, type HttpResponse } from '../http/responses';
import { describeError, type AppLogger } from '../observability/logger';

export interface TokenDependencies {
  readonly exchange: Pick<TokenExchange, 'exchange'>;
  readonly logger: AppLogger;
}

/** RFC 6749 §5.1: token answers, and their errors, are never cached (jsonResponse's no-store, and HTTP/1.0's Pragma). */
function oauthResponse(statusCode: number, body: unknown, extra: Record<string, string> = {}): HttpResponse {
  const response = jsonResponse(statusCode, body);
  return { ...response, headers: { ...response.headers, pragma: 'no-cache', ...extra } };
}

/** §5.2: 400, except a failed client authentication: 401 with the scheme to use. */
function oauthError(error: OAuthError): HttpResponse {
  const status = error.error === 'invalid_client' ? 401 : 400;
  const challenge: Record<string, string> = error.error === 'invalid_client' ? { 'www-authenticate': 'Basic realm="oauth/token"' } : {};
  return oauthResponse(status, { error: error.error, error_description: error.description } satisfies OAuthErrorBody, challenge);
}

/**
 * POST /oauth/token: public at the gateway (the client authenticates with
 * its key here), answered in OAuth's shapes. The log names the outcome and
 * the key id only: never the secret, the key or the token.
 */
export function createTokenHandler(deps: TokenDependencies) {
  return async (event: APIGatewayProxyEventV2): Promise<HttpResponse> => {
    let outcome: OAuthErrorCode | 'issued';
    let response: HttpResponse;
    let clientId: string | undefined;
    try {
      const request = parseTokenRequest({
        authorization: header(event, 'authorization'),
        contentType: header(event, 'content-type'),
        body: bodyBytes(event)?.toString('utf8'),
      });
      clientId = request.clientId;
      const grant = await deps.exchange.exchange(request);
      outcome = 'issued';
      response = oauthResponse(200, grant satisfies TokenGrantBody);
    } catch (error) {
      if (!(error instanceof OAuthError)) {
        response = errorResponse(error);
        deps.logger.error('token request failed', { status: response.statusCode, ...describeError(error) });
        return response;
      }
      outcome = error.error;
      response = oauthError(error);
    }
    // A client id is public (it names a key), but only one shaped like one is logged: a secret pasted there must not be.
    const keyId = clientId !== undefined && /^[0-9A-Za-z]{22,25}$/.test(clientId) ? clientId : undefined;
    deps.logger.info('token request', { outcome, status: response.statusCode, keyId });
    return response;
  };
}
