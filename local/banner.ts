import { keyScanPattern } from '../lambdas/domain/key-format';
import type { KeyConfig } from '../lambdas/runtime/config';
import type { LocalSystem } from './local-system';

/** What `npm start` prints once everything answers: where things are and a walk-through to paste. */
export function banner(
  system: LocalSystem,
  options: { authorizerCacheTtlSeconds: number; dataDir?: string | undefined; keys: Pick<KeyConfig, 'keyPrefix' | 'routeScopes'> },
): string {
  // The sample route's scope, if it needs one (npm start's default: read), so the block below works as pasted.
  const whoamiScope = options.keys.routeScopes.get('GET /whoami');
  const keyBody = JSON.stringify({ name: 'my script', ...(whoamiScope !== undefined ? { scopes: [whoamiScope] } : {}) });
  const api = system.gatewayUrl;
  const idp = system.devIdentityProvider;
  const lines = [
    '',
    'User API keys: running locally',
    `  Gateway            ${api}`,
    `  DynamoDB           ${system.dynamodbEndpoint}  table ${system.tableName}${
      options.dataDir ? `  (data in ${options.dataDir})` : system.dynamodbLocal ? '  (in memory)' : ''
    }`,
    idp
      ? `  Identity provider  ${idp.url}  (DEVELOPMENT ONLY: issues a token for any client_id, no password)`
      : `  Identity provider  ${system.auth.issuer}  (Auth0)`,
    `  Authorizer cache   ${options.authorizerCacheTtlSeconds} s (a revoked key keeps working up to this long)`,
    `  Key pattern        ${keyScanPattern(options.keys.keyPrefix).source}`,
    '',
  ];
  if (idp) {
    lines.push(
      'Try it (bash; the README has the whole walk-through):',
      `  API=${api}; IDP=${idp.url}`,
      `  field() { node -pe "JSON.parse(require('fs').readFileSync(0, 'utf8')).$1"; }`,
      '  TOKEN=$(curl -s $IDP/oauth/token -d grant_type=client_credentials -d client_id=alice | field access_token)',
      `  KEY=$(curl -s $API/keys -H "authorization: Bearer $TOKEN" -d '${keyBody}' | field key)`,
      '  curl -s $API/whoami -H "authorization: Bearer $KEY"; echo',
      '  curl -s $API/keys -H "authorization: Bearer $TOKEN"; echo',
      'Or from the command line: npx apikey login (see the README).',
      '',
    );
  }
  lines.push('Press Ctrl-C to stop.', '');
  return lines.join('\n');
}
