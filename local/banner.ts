import { keyScanPattern } from '../lambdas/domain/key-format';
import type { KeyConfig } from '../lambdas/runtime/config';
import { LOCAL_REGION } from './dynamodb-credentials';
import type { LocalSystem } from './local-system';

const shellWord = (word: string): string => (/^[\w:/.@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

/** The AWS CLI command that reads the table as the system does: only its credentials see it. */
export function awsCliScanCommand(system: Pick<LocalSystem, 'dynamodbEndpoint' | 'dynamodbCredentials' | 'tableName'>): string {
  const { accessKeyId, secretAccessKey } = system.dynamodbCredentials;
  return (
    `AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secretAccessKey} ` +
    `aws dynamodb scan --table-name ${system.tableName} --endpoint-url ${shellWord(system.dynamodbEndpoint)} --region ${LOCAL_REGION}`
  );
}

/** What `npm start` prints once everything answers: where things are and a walk-through to paste. */
export function banner(
  system: LocalSystem,
  options: {
    authorizerCacheTtlSeconds: number;
    dataDir?: string | undefined;
    keys: Pick<KeyConfig, 'keyPrefix' | 'routeScopes'>;
    eventsFile?: string | undefined;
  },
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
    `  Console            ${system.consoleUrl}  (in a browser: log in, create and manage keys)`,
    `  DynamoDB           ${system.dynamodbEndpoint}  table ${system.tableName}${
      options.dataDir ? `  (data in ${options.dataDir})` : system.dynamodbLocal ? '  (in memory)' : ''
    }`,
    ...(system.dynamodbLocal?.migratedSharedDb === true
      ? ["  (moved the data folder's shared-local-instance.db, from an older version, to its own database: only this key reads it now)"]
      : []),
    `  Inspect the table  ${awsCliScanCommand(system)}`,
    idp
      ? `  Identity provider  ${idp.url}  (DEVELOPMENT ONLY: issues a token for any client_id, no password)`
      : `  Identity provider  ${system.auth.issuer}  (Auth0)`,
    `  Authorizer cache   ${options.authorizerCacheTtlSeconds} s (a revoked key keeps working up to this long)`,
    `  Key pattern        ${keyScanPattern(options.keys.keyPrefix).source}`,
    system.devGitHub
      ? `  GitHub alerts      POST ${api}/secret-scanning/github  (signed by the development GitHub: npm run github-alert)`
      : `  GitHub alerts      POST ${api}/secret-scanning/github`,
    `  Lifecycle events   ${options.eventsFile !== undefined ? `appended to ${options.eventsFile} (NDJSON)` : 'printed below, one "lifecycle event" line each'}`,
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
