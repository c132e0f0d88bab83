import type { JWK } from 'jose';
import { sendJson } from '../http-util';
import type { Route } from './router';
import { DEVICE_CODE_GRANT_TYPE } from './token-endpoint';

/** `GET /.well-known/openid-configuration`, with the fields a CLI and a verifier read. */
export function discoveryEndpoint(url: string, issuer: string): Route {
  const document = {
    issuer,
    jwks_uri: `${url}/.well-known/jwks.json`,
    token_endpoint: `${url}/oauth/token`,
    device_authorization_endpoint: `${url}/oauth/device/code`,
    grant_types_supported: ['client_credentials', DEVICE_CODE_GRANT_TYPE],
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
