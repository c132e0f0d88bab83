import { keyScanPattern } from '../lambdas/domain/key-format';
import type { LocalSystem } from './local-system';

/** What `npm start` prints once everything answers: where things are and a walk-through to paste. */
export function banner(system: LocalSystem, options: { authorizerCacheTtlSeconds: number; dataDir?: string }): string {
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
    `  Key pattern        ${keyScanPattern('PREFIX').source.replace('PREFIX', '<prefix>')}`,
    '',
  ];
  if (idp) {
    lines.push(
      'Try it (bash):',
      `  TOKEN=$(curl -s ${idp.url}/oauth/token -H 'content-type: application/json' \\`,
      `    -d '{"grant_type":"client_credentials","client_id":"alice"}' | jq -r .access_token)`,
      `  KEY=$(curl -s ${api}/keys -H "authorization: Bearer $TOKEN" -d '{"name":"my script"}' | jq -r .key)`,
      `  curl -s ${api}/whoami -H "authorization: Bearer $KEY"`,
      `  curl -s ${api}/keys -H "authorization: Bearer $TOKEN"`,
      `  KEY_ID=$(echo "$KEY" | cut -d_ -f2)`,
      `  curl -s -X DELETE ${api}/keys/$KEY_ID -H "authorization: Bearer $TOKEN" -w '%{http_code}\\n'`,
      `  sleep ${options.authorizerCacheTtlSeconds}; curl -s ${api}/whoami -H "authorization: Bearer $KEY"   # {"message":"Forbidden"}`,
      '',
    );
  }
  lines.push('Press Ctrl-C to stop.', '');
  return lines.join('\n');
}
