import { DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS, MAX_AUTHORIZER_CACHE_TTL_SECONDS } from '../api-definition';
import { KEY_PREFIX_PATTERN, KEY_PREFIX_RULE } from '../domain/key-format';
import { DEFAULT_KEY_POLICY } from '../domain/key-policy';
import { defaultUnscopedRoutes } from '../domain/route-scope-check';
import { NO_ROUTE_SCOPES, ROUTE_KEY_PATTERN, type RouteScopes } from '../domain/route-scopes';
import * as kind from './kinds';
import { ASSERTION_SETTINGS } from './sections/assertion';
import { EDGE_SETTINGS } from './sections/edge';
import { EVENT_SETTINGS } from './sections/events';
import { OPERATIONS_SETTINGS } from './sections/operations';
import { CONSOLE_SETTINGS } from './sections/console';
import { OWNER_SETTINGS } from './sections/owners';
import { TOKEN_SETTINGS } from './sections/tokens';
import { UPGRADE_SETTINGS } from './sections/upgrade';
import { setting, type SettingSpec } from './spec';
import type { SettingName } from './types';

export type { Component, SettingSpec } from './spec';

/** The audience of the development identity provider's tokens under `npm start`, when AUTH0_AUDIENCE is unset. */
export const LOCAL_AUDIENCE = 'https://user-api-keys.local';

const KEYS = ['stack', 'authorizer', 'management', 'local'] as const;
/** The key prefix and the table: everything that reads a key (the token exchange too). */
const KEY_READERS = ['stack', 'authorizer', 'management', 'local', 'token'] as const;
const AUTH = ['stack', 'management', 'local'] as const;
/** What the console tells the page: the Auth0 tenant and API it logs in to. */
const AUTH_AND_CONSOLE = [...AUTH, 'console'] as const;
/** The key rules the console shows (allowed scopes, lifetimes) before the API enforces them. */
const KEYS_AND_CONSOLE = [...KEYS, 'console'] as const;
const ARN = (service: string, resource: string) => new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]+:\\d{12}:${resource}$`);
/** CloudWatch Logs accepts only these retentions. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/**
 * Every setting of the system, in one table: the CDK stack (context key =
 * the entry's name, then its environment variable), the Lambda functions
 * (their environment, which the stack writes from this table), `npm start`
 * (its environment) and the README's configuration tables (generated from
 * it: `npm run docs`) all derive from these entries. A new setting is one
 * entry here.
 */
export const SETTINGS = {
  auth0Domain: setting({
    env: 'AUTH0_DOMAIN',
    kind: kind.auth0Domain(),
    usedBy: AUTH_AND_CONSOLE,
    optionalIn: ['local'],
    shownDefault: 'required (under `npm start`, unset starts the development identity provider)',
    meaning: 'your Auth0 tenant, e.g. `example.eu.auth0.com`; the issuer is `https://<domain>/`',
  }),
  auth0Audience: setting({
    env: 'AUTH0_AUDIENCE',
    kind: kind.text(/^\S+$/, 'an API identifier such as https://api.example.com'),
    usedBy: AUTH_AND_CONSOLE,
    optionalIn: ['local'],
    shownDefault: `required (\`${LOCAL_AUDIENCE}\` with the development identity provider)`,
    meaning: 'the Auth0 API identifier, the audience of access tokens',
  }),
  requiredScope: setting({
    env: 'REQUIRED_SCOPE',
    kind: kind.text(/^\S+$/, 'one scope, without spaces'),
    usedBy: AUTH,
    optional: true,
    meaning: 'a scope every key-management token must carry (403 `INSUFFICIENT_SCOPE` otherwise)',
  }),
  allowMachineTokens: setting({
    env: 'ALLOW_MACHINE_TOKENS',
    kind: kind.boolean(),
    usedBy: AUTH,
    default: false,
    meaning:
      'let Auth0 machine-to-machine tokens (`gty: client-credentials`, `sub` `...@clients`) own keys; by default only people may (403 `MACHINE_TOKEN`)',
  }),
  tableName: setting({
    env: 'TABLE_NAME',
    kind: kind.text(/^[A-Za-z0-9_.-]{3,255}$/, '3-255 letters, digits, "_", "-" or "."'),
    usedBy: ['authorizer', 'management', 'local', 'token', 'events'],
    localDefault: 'ApiKeys',
    shownDefault: '`ApiKeys` locally; the stack sets it in Lambda',
    meaning: 'the DynamoDB table',
  }),
  keyPrefix: setting({
    env: 'KEY_PREFIX',
    kind: kind.text(KEY_PREFIX_PATTERN, KEY_PREFIX_RULE),
    usedBy: KEY_READERS,
    default: 'uak',
    meaning: 'the prefix that starts every key, so keys are recognisable; changing it invalidates existing keys',
  }),
  maxKeysPerUser: setting({
    env: 'MAX_KEYS_PER_USER',
    kind: kind.integer(1, 1000),
    usedBy: KEYS,
    default: DEFAULT_KEY_POLICY.maxKeysPerUser,
    meaning: 'active (unrevoked, unexpired) keys per owner; holds under concurrent creates',
  }),
  maxKeyLifetimeDays: setting({
    env: 'MAX_KEY_LIFETIME_DAYS',
    kind: kind.integer(1, 3650),
    usedBy: KEYS_AND_CONSOLE,
    default: DEFAULT_KEY_POLICY.maxLifetimeDays,
    meaning: 'the latest `expiresAt` a key may have, in days from its creation',
  }),
  defaultKeyLifetimeDays: setting({
    env: 'DEFAULT_KEY_LIFETIME_DAYS',
    kind: kind.integer(1, 3650, (settled) => settled.maxKeyLifetimeDays as number),
    usedBy: KEYS_AND_CONSOLE,
    default: (settled) => Math.min(DEFAULT_KEY_POLICY.defaultLifetimeDays, settled.maxKeyLifetimeDays as number),
    shownDefault: '`90` (at most the maximum)',
    meaning: 'the lifetime of a key created without `expiresAt`, at most `MAX_KEY_LIFETIME_DAYS`',
  }),
  routeScopes: setting({
    env: 'ROUTE_SCOPES',
    kind: kind.routeScopes(),
    usedBy: KEYS_AND_CONSOLE,
    default: NO_ROUTE_SCOPES,
    localDefault: new Map([['GET /whoami', 'read']]),
    // `ROUTE_SCOPES=` turns npm start's default off.
    blankIsNone: true,
    shownDefault: 'none; `{"GET /whoami":"read"}` under `npm start`',
    meaning:
      'JSON object, API Gateway route key → the scope a key needs there, e.g. `{"ANY /{proxy+}":"api"}` (an object in `cdk.json` works too; see *Scopes*); only routes behind the API-key authorizer (a scope on a management route, or on a route that does not exist, stops the synth); its scopes are allowed on keys',
  }),
  unscopedRoutes: setting({
    env: 'UNSCOPED_ROUTES',
    kind: kind.oneOf(['allow', 'deny']),
    usedBy: KEYS,
    default: (settled) => defaultUnscopedRoutes(settled.routeScopes as RouteScopes),
    shownDefault: '`allow` while `ROUTE_SCOPES` is empty, `deny` once it names a route',
    meaning:
      'what an API-key route that `ROUTE_SCOPES` gives no scope does: `allow` any valid key, or `deny` every key, so a route left out of the map fails closed',
  }),
  apiKeyRoutes: setting({
    env: 'API_KEY_ROUTES',
    kind: kind.list(ROUTE_KEY_PATTERN, 'route keys such as GET /orders/{id}'),
    usedBy: ['authorizer'],
    optional: true,
    meaning: 'the route keys behind the API-key authorizer, which `ROUTE_SCOPES` must name only; the stack sets it for you',
  }),
  allowedKeyScopes: setting({
    env: 'ALLOWED_KEY_SCOPES',
    kind: kind.scopeList(),
    usedBy: KEYS_AND_CONSOLE,
    default: [],
    meaning: 'comma-separated scopes keys may carry besides those `ROUTE_SCOPES` requires (a list in `cdk.json` works too)',
  }),
  auditRetentionDays: setting({
    env: 'AUDIT_RETENTION_DAYS',
    kind: kind.integer(1, 3650),
    usedBy: KEYS,
    default: DEFAULT_KEY_POLICY.auditRetentionDays,
    meaning: 'how long key audit events are kept (their TTL), in days',
  }),
  authorizerCacheTtlSeconds: setting({
    env: 'AUTHORIZER_CACHE_TTL_SECONDS',
    // API Gateway allows 0 to 3600 seconds.
    kind: kind.integer(0, MAX_AUTHORIZER_CACHE_TTL_SECONDS),
    usedBy: ['stack', 'local'],
    default: DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS,
    meaning:
      "the longest a revoked key keeps working, in seconds: half of it in the gateway's cache per `Authorization` header and route, half in the authorizer's in-instance cache; `0` turns caching off",
  }),
  verdictCacheTtlSeconds: setting({
    env: 'VERDICT_CACHE_TTL_SECONDS',
    kind: kind.integer(0, 1800),
    usedBy: ['authorizer'],
    default: 0,
    meaning: "the authorizer's in-instance share of `AUTHORIZER_CACHE_TTL_SECONDS`; the stack and `npm start` set it for you",
  }),
  backendUrl: setting({
    env: 'BACKEND_URL',
    kind: kind.text(/^https:\/\/[^\s/]+(\/\S*)?$/, 'an https:// URL'),
    usedBy: ['stack'],
    optional: true,
    meaning: 'https URL: `ANY /{proxy+}` is proxied there behind API keys',
  }),
  backendFunctionArn: setting({
    env: 'BACKEND_FUNCTION_ARN',
    kind: kind.text(ARN('lambda', 'function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?'), 'a Lambda function ARN'),
    usedBy: ['stack'],
    optional: true,
    meaning: 'or a Lambda function for `ANY /{proxy+}` (not both)',
  }),
  tableEncryption: setting({
    env: 'TABLE_ENCRYPTION',
    kind: kind.oneOf(['aws-owned', 'aws-managed', 'customer-managed']),
    usedBy: ['stack'],
    default: 'aws-owned',
    meaning: 'or `aws-managed`, `customer-managed`',
  }),
  tableKmsKeyArn: setting({
    env: 'TABLE_KMS_KEY_ARN',
    kind: kind.text(ARN('kms', 'key/[A-Za-z0-9-]+'), 'a KMS key ARN'),
    usedBy: ['stack'],
    optional: true,
    shownDefault: 'a new rotating key',
    meaning: 'with `customer-managed`',
  }),
  tableRemoval: setting({
    env: 'TABLE_REMOVAL',
    kind: kind.oneOf(['retain', 'destroy']),
    usedBy: ['stack'],
    default: 'retain',
    meaning: '`destroy` for throw-away stacks',
  }),
  ...UPGRADE_SETTINGS,
  corsAllowOrigins: setting({
    env: 'CORS_ALLOW_ORIGINS',
    kind: kind.list(
      kind.isWebOrigin,
      'origins as a browser sends them, like https://app.example.com (no path, no default port, no wildcard)',
    ),
    usedBy: ['stack', 'local'],
    default: [],
    meaning:
      "comma-separated origins of your own web apps that call the API from the browser (the drop-in `<user-api-keys>` component): the gateway answers their CORS preflights and lets them load `/console/user-api-keys.js`; the console at `/console` is the API's own origin and needs none",
  }),
  throttleRateLimit: setting({
    env: 'THROTTLE_RATE_LIMIT',
    kind: kind.integer(1, 10_000),
    usedBy: ['stack'],
    default: 100,
    meaning:
      'stage-wide requests per second; `POST /keys` and `POST /keys/{id}/rotate` each have their own, smaller budget (`KEY_CREATION_RATE_LIMIT`, `KEY_CREATION_BURST_LIMIT`)',
  }),
  throttleBurstLimit: setting({
    env: 'THROTTLE_BURST_LIMIT',
    kind: kind.integer(1, 5_000),
    usedBy: ['stack'],
    default: 200,
    meaning: 'the stage-wide burst',
  }),
  logRetentionDays: setting({
    env: 'LOG_RETENTION_DAYS',
    kind: kind.oneOfNumbers(LOG_RETENTION_DAYS),
    usedBy: ['stack'],
    default: 30,
    meaning: 'function and access logs, in days (one of the retentions CloudWatch Logs offers)',
  }),
  sourceMaps: setting({
    env: 'SOURCE_MAPS',
    kind: kind.boolean(),
    usedBy: ['stack'],
    default: false,
    meaning:
      "ship each function's source map and set `NODE_OPTIONS=--enable-source-maps`, so logged stack traces name the TypeScript files and lines; off, the bundles carry no map and start faster (`lib/bundling.ts`)",
  }),
  alarmTopicArn: setting({
    env: 'ALARM_TOPIC_ARN',
    kind: kind.text(ARN('sns', '[A-Za-z0-9_.-]+'), 'an SNS topic ARN'),
    usedBy: ['stack'],
    optional: true,
    meaning: 'an existing SNS topic every alarm notifies (or `alarmEmail`, not both)',
  }),
  ...OPERATIONS_SETTINGS,
  ...OWNER_SETTINGS,
  ...EDGE_SETTINGS,
  ...ASSERTION_SETTINGS,
  ...TOKEN_SETTINGS,
  ...CONSOLE_SETTINGS,
  ...EVENT_SETTINGS,
  stackName: setting({
    kind: kind.text(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'a CloudFormation stack name (a letter, then letters, digits or "-")'),
    usedBy: ['stack'],
    default: 'UserApiKeys',
    meaning: 'the CloudFormation stack `cdk deploy` creates (context only)',
  }),
  port: setting({
    env: 'PORT',
    kind: kind.integer(0, 65535),
    usedBy: ['local'],
    default: 3000,
    meaning: 'the local gateway (127.0.0.1)',
  }),
  devIdpPort: setting({
    env: 'DEV_IDP_PORT',
    kind: kind.integer(0, 65535),
    usedBy: ['local'],
    default: 3001,
    meaning: 'the development identity provider (127.0.0.1)',
  }),
  dynamodbPort: setting({
    env: 'DYNAMODB_PORT',
    kind: kind.integer(1, 65535),
    usedBy: ['local'],
    default: 8000,
    meaning: "embedded DynamoDB Local: it listens on every interface, its tables behind the data folder's random key (see below)",
  }),
  dynamodbEndpoint: setting({
    env: 'DYNAMODB_ENDPOINT',
    kind: kind.text(/^https?:\/\/\S+$/, 'an http(s) URL'),
    usedBy: ['local'],
    optional: true,
    meaning: 'use this DynamoDB instead of starting one',
  }),
  dynamodbInMemory: setting({
    env: 'DYNAMODB_IN_MEMORY',
    kind: kind.boolean(),
    usedBy: ['local'],
    default: false,
    meaning: "`true` (or `1`): keep no table data on disk (the key file stays in `DATA_DIR`, for the project's tools)",
  }),
  dataDir: setting({
    env: 'DATA_DIR',
    kind: kind.text(/^.+$/, 'a folder'),
    usedBy: ['local'],
    default: '.data',
    meaning: 'where DynamoDB Local keeps its database and its key (`dynamodb-local-credentials.json`, 0600)',
  }),
} as const;

export type Schema = typeof SETTINGS;
export type { RequiredSettingName, SettingName, SettingsFor } from './types';
export const settingNames = Object.keys(SETTINGS) as SettingName[];
export const specOf = (name: SettingName): SettingSpec => SETTINGS[name];
