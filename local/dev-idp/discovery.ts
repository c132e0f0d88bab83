import type { JWK } from 'jose';
import { sendJson } from '../http-util';
import { RESPONSE_MODES } from './authorize-request';
import { CODE_CHALLENGE_METHOD } from './pkce';
import type { Route } from './router';
import { DEVICE_CODE_GRANT_TYPE } from './token-endpoint';

/** `GET /.well-known/openid-configuration`, with the fields a CLI, a SPA and a verifier read. */
export function discoveryEndpoint(url: string, issuer: string): Route {
  const document = {
    issuer,
    authorization_endpoint: `${url}/authorize`,
    token_endpoint: `${url}/oauth/token`,
    device_authorization_endpoint: `${url}/oauth/device/code`,
    end_session_endpoint: `${url}/v2/logout`,
    jwks_uri: `${url}/.well-known/jwks.json`,
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials', DEVICE_CODE_GRANT_TYPE],
    response_types_supported: ['code'],
    response_modes_supported: [...RESPONSE_MODES],
    code_challenge_methods_supported: [CODE_CHALLENGE_METHOD],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['none', 'client_secret_post'],
  };
  return (_request, response) => {
    sendJson(response, 200, document);
    return Promise.resolve();
  };
}

/** `GET /.well-known/jwks.json`: the one signing key's public half. */
export function jwksEndpoint(jwk: JWK): Route {
  return (_request, response) => {
    sendJson(response, 200, { keys: [jwk] });
    return Promise.resolve();
  };
}
