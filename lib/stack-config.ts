import { DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS, ROUTES } from '../lambdas/api-definition';
import { DEFAULT_KEY_POLICY, type KeyPolicy } from '../lambdas/domain/key-policy';
import { isValidKeyPrefix } from '../lambdas/domain/key-format';
import { allowedKeyScopes, parseRouteScopes, parseScopeList, ScopeSettingError, type RouteScopes } from '../lambdas/domain/route-scopes';
import { auth0Issuer } from '../lambdas/runtime/config';
import { DEFAULT_KEY_PREFIX } from '../lambdas/runtime/config';

export type TableEncryptionChoice = 'aws-owned' | 'aws-managed' | 'customer-managed';

/** The backend the API keys protect. */
export type Backend =
  | { readonly kind: 'sample' }
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'function'; readonly functionArn: string };

/** Everything an operator can set, validated at synth time. */
export interface UserApiKeysConfig {
  readonly auth0Domain: string;
  readonly auth0Audience: string;
  readonly requiredScope?: string;
  /** Whether Auth0 machine-to-machine tokens may manage keys (default: people only). */
  readonly allowMachineTokens: boolean;
  readonly keyPrefix: string;
  /** Its `allowedScopes` are the routes' required scopes plus `allowedKeyScopes`. */
  readonly keyPolicy: KeyPolicy;
  /** The scope each API-key route requires, by route key (`GET /whoami`, `ANY /{proxy+}`). */
  readonly routeScopes: RouteScopes;
  /** Scopes keys may carry besides those `routeScopes` requires (e.g. for the backend's own checks). */
  readonly allowedKeyScopes: readonly string[];
  readonly authorizerCacheTtlSeconds: number;
  readonly backend: Backend;
  readonly tableEncryption: TableEncryptionChoice;
  /** With `customer-managed`: an existing key; omitted, the stack creates one (rotation on). */
  readonly tableKmsKeyArn?: string;
  /** `retain` (default) keeps the table, with deletion protection, when the stack goes. */
  readonly tableRemoval: 'retain' | 'destroy';
  readonly corsAllowOrigins: readonly string[];
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly logRetentionDays: number;
  readonly alarmTopicArn?: string;
}

export class StackConfigError extends Error {
  override readonly name = 'StackConfigError';
}

/**
 * Reads a setting: CDK context `camelName` first, then the environment variable.
 * Structured context (an object or a list in cdk.json) arrives as text: see lib/app.ts.
 */
export type SettingSource = (contextName: string, envName: string) => string | undefined;

const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

export function loadStackConfig(read: SettingSource): UserApiKeysConfig {
  const text = (context: string, env: string): string | undefined => {
    const value = read(context, env)?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const required = (context: string, env: string): string => {
    const value = text(context, env);
    if (value === undefined) {
      throw new StackConfigError(`Set ${context}: cdk deploy -c ${context}=... (or the environment variable ${env})`);
    }
    return value;
  };
  const integer = (context: string, env: string, fallback: number, min: number, max: number): number => {
    const raw = text(context, env);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw new StackConfigError(`${context} must be a whole number from ${min} to ${max}, got "${raw}"`);
    }
    return Number(raw);
  };
  const oneOf = <T extends string>(context: string, env: string, choices: readonly T[], fallback: T): T => {
    const raw = text(context, env) ?? fallback;
    if (!choices.includes(raw as T)) {
      throw new StackConfigError(`${context} must be one of ${choices.join(', ')}, got "${raw}"`);
    }
    return raw as T;
  };

  const auth0Domain = required('auth0Domain', 'AUTH0_DOMAIN');
  try {
    auth0Issuer(auth0Domain);
  } catch (error) {
    throw new StackConfigError(`auth0Domain: ${(error as Error).message}`);
  }
  const keyPrefix = text('keyPrefix', 'KEY_PREFIX') ?? DEFAULT_KEY_PREFIX;
  if (!isValidKeyPrefix(keyPrefix)) {
    throw new StackConfigError(`keyPrefix must be 2-10 lowercase letters or digits, got "${keyPrefix}"`);
  }
  const maxLifetimeDays = integer('maxKeyLifetimeDays', 'MAX_KEY_LIFETIME_DAYS', DEFAULT_KEY_POLICY.maxLifetimeDays, 1, 3650);
  const keyPolicy: KeyPolicy = {
    maxKeysPerUser: integer('maxKeysPerUser', 'MAX_KEYS_PER_USER', DEFAULT_KEY_POLICY.maxKeysPerUser, 1, 1000),
    maxLifetimeDays,
    defaultLifetimeDays: integer(
      'defaultKeyLifetimeDays',
      'DEFAULT_KEY_LIFETIME_DAYS',
      Math.min(DEFAULT_KEY_POLICY.defaultLifetimeDays, maxLifetimeDays),
      1,
      maxLifetimeDays,
    ),
    // Set below, once the route scopes are known.
    allowedScopes: [],
    auditRetentionDays: integer('auditRetentionDays', 'AUDIT_RETENTION_DAYS', DEFAULT_KEY_POLICY.auditRetentionDays, 1, 3650),
  };

  const backendUrl = text('backendUrl', 'BACKEND_URL');
  const backendFunctionArn = text('backendFunctionArn', 'BACKEND_FUNCTION_ARN');
  if (backendUrl !== undefined && backendFunctionArn !== undefined) {
    throw new StackConfigError('Set backendUrl or backendFunctionArn, not both');
  }
  if (backendUrl !== undefined && !/^https:\/\/[^\s/]+(\/[^\s]*)?$/.test(backendUrl)) {
    throw new StackConfigError(`backendUrl must be an https:// URL, got "${backendUrl}"`);
  }
  if (
    backendFunctionArn !== undefined &&
    !/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/.test(backendFunctionArn)
  ) {
    throw new StackConfigError(`backendFunctionArn must be a Lambda function ARN, got "${backendFunctionArn}"`);
  }
  const backend: Backend =
    backendUrl !== undefined
      ? { kind: 'url', url: backendUrl.replace(/\/$/, '') }
      : backendFunctionArn !== undefined
        ? { kind: 'function', functionArn: backendFunctionArn }
        : { kind: 'sample' };

  const scopeSetting = <T>(context: string, env: string, parse: (raw: string | undefined) => T): T => {
    try {
      return parse(text(context, env));
    } catch (error) {
      if (error instanceof ScopeSettingError) throw new StackConfigError(`${context}: ${error.message}`);
      throw error;
    }
  };
  const routeScopes = scopeSetting('routeScopes', 'ROUTE_SCOPES', parseRouteScopes);
  for (const routeKey of routeScopes.keys()) refuseUncheckedRoute(routeKey, backend);
  const extraKeyScopes = scopeSetting('allowedKeyScopes', 'ALLOWED_KEY_SCOPES', parseScopeList);

  const tableEncryption = oneOf(
    'tableEncryption',
    'TABLE_ENCRYPTION',
    ['aws-owned', 'aws-managed', 'customer-managed'] as const,
    'aws-owned',
  );
  const tableKmsKeyArn = text('tableKmsKeyArn', 'TABLE_KMS_KEY_ARN');
  if (tableKmsKeyArn !== undefined) {
    if (tableEncryption !== 'customer-managed') {
      throw new StackConfigError('tableKmsKeyArn needs tableEncryption=customer-managed');
    }
    if (!/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(tableKmsKeyArn)) {
      throw new StackConfigError(`tableKmsKeyArn must be a KMS key ARN, got "${tableKmsKeyArn}"`);
    }
  }
  const corsAllowOrigins = (text('corsAllowOrigins', 'CORS_ALLOW_ORIGINS') ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  for (const origin of corsAllowOrigins) {
    if (!/^https?:\/\/[^\s/]+$/.test(origin)) {
      throw new StackConfigError(`corsAllowOrigins must be origins like https://console.example.com, got "${origin}"`);
    }
  }
  const logRetentionDays = integer('logRetentionDays', 'LOG_RETENTION_DAYS', 30, 1, 3653);
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    throw new StackConfigError(`logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(', ')}`);
  }
  const alarmTopicArn = text('alarmTopicArn', 'ALARM_TOPIC_ARN');
  if (alarmTopicArn !== undefined && !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+$/.test(alarmTopicArn)) {
    throw new StackConfigError(`alarmTopicArn must be an SNS topic ARN, got "${alarmTopicArn}"`);
  }
  const requiredScope = text('requiredScope', 'REQUIRED_SCOPE');
  const allowMachineTokens = oneOf('allowMachineTokens', 'ALLOW_MACHINE_TOKENS', ['true', 'false'] as const, 'false') === 'true';

  return {
    auth0Domain,
    auth0Audience: required('auth0Audience', 'AUTH0_AUDIENCE'),
    ...(requiredScope !== undefined ? { requiredScope } : {}),
    allowMachineTokens,
    keyPrefix,
    keyPolicy: { ...keyPolicy, allowedScopes: allowedKeyScopes(routeScopes, extraKeyScopes) },
    routeScopes,
    allowedKeyScopes: extraKeyScopes,
    // API Gateway allows 0 to 3600 seconds.
    authorizerCacheTtlSeconds: integer(
      'authorizerCacheTtlSeconds',
      'AUTHORIZER_CACHE_TTL_SECONDS',
      DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS,
      0,
      3600,
    ),
    backend,
    tableEncryption,
    ...(tableKmsKeyArn !== undefined ? { tableKmsKeyArn } : {}),
    tableRemoval: oneOf('tableRemoval', 'TABLE_REMOVAL', ['retain', 'destroy'] as const, 'retain'),
    corsAllowOrigins,
    throttle: {
      rateLimit: integer('throttleRateLimit', 'THROTTLE_RATE_LIMIT', 100, 1, 10_000),
      burstLimit: integer('throttleBurstLimit', 'THROTTLE_BURST_LIMIT', 200, 1, 5_000),
    },
    logRetentionDays,
    ...(alarmTopicArn !== undefined ? { alarmTopicArn } : {}),
  };
}

/** `GET /keys/{id}` and `GET /keys/{keyId}` are the same route to API Gateway; `{proxy+}` is another. */
const routeShape = (routeKey: string): string => routeKey.replace(/\{[^}+]+\}/g, '{}');

/**
 * A scope is only checked where the API-key authorizer decides: a route key
 * naming one of our other routes (key management behind Auth0 tokens, the
 * public health check, the sample route when a backend replaces it) would be
 * a setting that silently does nothing. Route keys that are not ours are left
 * to the construct, which refuses any that name no API-key route at synth.
 */
function refuseUncheckedRoute(routeKey: string, backend: Backend): void {
  const route = ROUTES.find((candidate) => routeShape(`${candidate.method} ${candidate.path}`) === routeShape(routeKey));
  if (route === undefined) return;
  const why =
    route.auth === 'accessToken'
      ? 'is a key-management route, authorized by Auth0 access tokens, not API keys'
      : route.auth === 'none'
        ? 'is a public route, authorized by nothing'
        : backend.kind !== 'sample'
          ? 'is the sample route, which a backend replaces (its requests reach ANY /{proxy+})'
          : undefined;
  if (why !== undefined) {
    throw new StackConfigError(`routeScopes: "${routeKey}" ${why}: a scope there would never be checked`);
  }
}
