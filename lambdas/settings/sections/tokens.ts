import { MAX_ACCESS_TOKEN_TTL_SECONDS } from '../../domain/access-token';
import * as kind from '../kinds';
import { setting } from '../spec';

/** `POST /oauth/token`, the client-credentials exchange (lambdas/domain/token-exchange.ts). */
export const TOKEN_SETTINGS = {
  accessTokenTtlSeconds: setting({
    env: 'ACCESS_TOKEN_TTL_SECONDS',
    kind: kind.integer(60, MAX_ACCESS_TOKEN_TTL_SECONDS),
    usedBy: ['stack', 'token', 'local'],
    default: MAX_ACCESS_TOKEN_TTL_SECONDS,
    meaning:
      'how long an access token from `POST /oauth/token` lives (`expires_in`), never past its key’s own expiry; a revoked, disabled or rotated key’s tokens stop with it, within the verdict caches’ bound',
  }),
} as const;
