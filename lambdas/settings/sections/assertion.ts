import { MAX_ASSERTION_LIFETIME_SECONDS } from '../../api-definition';
import * as kind from '../kinds';
import { setting } from '../spec';

/**
 * The identity assertion the gateway signs for the backend (README "For
 * backend authors"), and the header the key comes in. The stack derives the
 * audience and issuer when they are unset (lib/assertion-config.ts) and writes
 * the rest of the functions' values itself.
 */

/** Headers API Gateway will not map or remove (its docs' "Reserved headers"), and the ones this stack sets for the backend. */
const NOT_A_KEY_HEADER =
  '(?!(?:access-control-|apigw-|x-amzn?-|x-forwarded-|proxy-|content-)|(?:connection|forwarded|keep-alive|origin|te|trailers|transfer-encoding|upgrade|via|host|x-api-key-(?:sub|id|scopes|assertion))$)';
export const KEY_HEADER_PATTERN = new RegExp(`^(?:authorization|${NOT_A_KEY_HEADER}[a-z0-9][a-z0-9-]{0,62})$`);

export const ASSERTION_SETTINGS = {
  keyHeader: setting({
    env: 'KEY_HEADER',
    kind: kind.text(KEY_HEADER_PATTERN, 'a lower-case header name such as x-api-key (not one API Gateway reserves)'),
    // openapi: the document's security scheme for keys names the header.
    usedBy: ['stack', 'authorizer', 'local', 'openapi'],
    default: 'authorization',
    meaning:
      'the header a key comes in: `authorization` (`Bearer <key>` or Basic), or a header of your own such as `x-api-key` (the key alone, or `Bearer <key>`), which the gateway removes before an HTTP backend (it cannot remove `Authorization`)',
  }),
  assertionAudience: setting({
    env: 'ASSERTION_AUDIENCE',
    kind: kind.text(/^\S{1,512}$/, 'one audience without spaces, such as https://internal.example.com'),
    usedBy: ['stack', 'authorizer', 'assertion', 'local'],
    optionalIn: ['stack', 'local'],
    shownDefault:
      "the backend: `backendUrl`'s origin, else `backendFunctionArn`, else the API's URL (the sample `/whoami`; under `npm start`, its gateway's URL)",
    meaning: 'the `aud` of the identity assertion (`x-api-key-assertion`) the gateway signs for the backend',
  }),
  assertionIssuer: setting({
    env: 'ASSERTION_ISSUER',
    kind: kind.text(/^https?:\/\/[^\s/]+(\/\S*[^\s/])?$/, 'a URL without a trailing slash'),
    usedBy: ['stack', 'authorizer', 'assertion', 'local'],
    optionalIn: ['stack', 'local'],
    shownDefault: "the API's URL, `https://<api id>.execute-api.<region>.amazonaws.com` (under `npm start`, its gateway's URL)",
    meaning:
      "the `iss` of the identity assertion; its verifying keys are at `<issuer>/.well-known/jwks.json` (set it to the name clients call when that is not the API's own, e.g. with `edge`)",
  }),
  assertionKeyRotationDays: setting({
    env: 'ASSERTION_KEY_ROTATION_DAYS',
    kind: kind.integer(1, 365),
    usedBy: ['stack'],
    default: 30,
    meaning:
      'how often Secrets Manager rotates the assertion signing key, in days; the key it replaces stays in the JWKS until a later rotation finds that no authorizer can still be signing with it (its successor has signed for over 7 hours), however soon that rotation comes',
  }),
  assertionLifetimeSeconds: setting({
    env: 'ASSERTION_LIFETIME_SECONDS',
    // The two caches hold a verdict for AUTHORIZER_CACHE_TTL_SECONDS (at most 3600) in all, plus the margin: 3660.
    kind: kind.integer(1, MAX_ASSERTION_LIFETIME_SECONDS),
    usedBy: ['authorizer'],
    default: 60,
    meaning:
      "how long an assertion stays valid: the gateway's and the authorizer's cache shares together plus 60 s, so a cached allow never carries an expired one; the stack and `npm start` set it for you",
  }),
  assertionSecretArn: setting({
    env: 'ASSERTION_SECRET_ARN',
    kind: kind.text(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/, 'a Secrets Manager secret ARN'),
    usedBy: ['authorizer'],
    meaning: 'the secret holding the private signing keys, read once per cold start (and hourly); the stack sets it for you',
  }),
  accessTokenKeysSecretArn: setting({
    env: 'ACCESS_TOKEN_KEYS_SECRET_ARN',
    kind: kind.text(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/, 'a Secrets Manager secret ARN'),
    usedBy: ['assertion', 'token'],
    meaning:
      "the secret holding the MAC keys of `POST /oauth/token`'s access tokens (derived from the signing keys, written by their rotation), the only key material the token exchange reads; the stack sets it for you",
  }),
  assertionJwksParameter: setting({
    env: 'ASSERTION_JWKS_PARAMETER',
    kind: kind.text(/^\/[A-Za-z0-9_.\-/]{1,1010}$/, 'an SSM parameter name such as /user-api-keys/jwks'),
    usedBy: ['assertion'],
    meaning: 'the SSM parameter holding the public keys (the JWKS), written by the key rotation; the stack sets it for you',
  }),
} as const;

/** Read apart from the key settings the management functions and `npm start` share (lambdas/runtime/config.ts). */
export type AssertionSettingName = keyof typeof ASSERTION_SETTINGS;
