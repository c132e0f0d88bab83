import { Duration } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { FunctionName } from '../lambdas/api-definition';
import { MANAGEMENT_FUNCTION_TIMEOUT_SECONDS } from '../lambdas/runtime/clients';
import { HouseFunction } from './house-function';
import { indexRead, KEY_ITEMS_ONLY, LAST_USED_WRITE_CONDITIONS, NO_RETURNED_ITEMS, writes } from './table-access';

interface FunctionSpec {
  readonly entrypoint: string;
  readonly description: string;
  /** Actions on the table itself (items); never Query. */
  readonly actions: readonly string[];
  /** The one index this function queries (the owner or the event index, whichever its upgrade step reads): Query is granted there and nowhere else. */
  readonly queries?: 'owner' | 'events' | 'expiry';
}

export type KeyFunctionName = FunctionName | 'authorizer' | 'signingKeyRotation' | 'ownerEvents' | 'lifecycleEvents' | 'expiryNotices';

/** Each function's entry point and the table actions it needs, and no more. */
const FUNCTIONS: Record<KeyFunctionName, FunctionSpec> = {
  // UpdateItem only for lastUsedAt: see the condition where it is granted.
  authorizer: { entrypoint: 'authorizer', description: 'API key authorizer', actions: ['dynamodb:GetItem'] },
  createKey: {
    entrypoint: 'create-key',
    description: 'POST /keys',
    // TransactWriteItems is authorized per contained operation (Put, Update).
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  },
  listKeys: {
    entrypoint: 'list-keys',
    description: 'GET /keys',
    actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'],
    queries: 'owner',
  },
  getKey: { entrypoint: 'get-key', description: 'GET /keys/{id}', actions: ['dynamodb:GetItem'] },
  updateKey: {
    entrypoint: 'update-key',
    description: 'PATCH /keys/{id}',
    // A transaction: the key's Update, its audit events' Puts, and, for an enable, a ConditionCheck of the
    // owner item (Auth0 has not blocked them), which IAM authorizes as dynamodb:ConditionCheckItem
    // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html).
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'],
  },
  revokeKey: {
    entrypoint: 'revoke-key',
    description: 'DELETE /keys/{id}',
    // A transaction: the key's and the owner's Updates, and the audit event's Put.
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  },
  rotateKey: {
    entrypoint: 'rotate-key',
    description: 'POST /keys/{id}/rotate',
    // A transaction: Updates of the owner and the old key, Puts of the new key and the audit events.
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  },
  listKeyEvents: {
    entrypoint: 'list-key-events',
    description: 'GET /keys/{id}/events',
    actions: ['dynamodb:GetItem'],
    queries: 'events',
  },
  adminListKeys: {
    entrypoint: 'admin-list-keys',
    description: 'GET /admin/users/{sub}/keys (support staff)',
    actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'],
    queries: 'owner',
  },
  adminRevokeKeys: {
    entrypoint: 'admin-revoke-keys',
    description: 'POST /admin/users/{sub}/revoke-keys (support staff)',
    // The owner's keys through the owner index, then each revoke's transaction (as DELETE /keys/{id}).
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    queries: 'owner',
  },
  // Auth0's reports of deleted, blocked and unblocked users: the owner's keys through the owner index, then each
  // change's transaction (revoke, disable, enable), and the owner item's status. The webhook's secret read is granted in lib/owner-events.ts.
  auth0Webhook: {
    entrypoint: 'auth0-webhook',
    description: 'POST /auth0/events (an Auth0 Event Stream webhook)',
    // ConditionCheckItem: each pause or resume holds only while its report is the owner's last (owner-status.ts).
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'],
    queries: 'owner',
  },
  ownerEvents: {
    entrypoint: 'owner-events',
    description: 'Auth0 Log Streams and Events from EventBridge: revoke, disable, re-enable keys',
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'],
    queries: 'owner',
  },
  secretScanning: {
    entrypoint: 'secret-scanning',
    description: 'POST /secret-scanning/github (GitHub secret scanning alerts: revoke leaked keys)',
    // Each leaked key's revoke is a transaction (as DELETE /keys/{id}): the key's and the owner's Updates, the audit event's Put.
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  },
  // The table's stream (granted by its event source, lib/lifecycle-events.ts) to EventBridge (PutEvents, granted there): no item access.
  lifecycleEvents: { entrypoint: 'lifecycle-events', description: 'Key changes from the table stream to EventBridge', actions: [] },
  // The expiry index (Query, below), DescribeTable to read before it whether that index is ACTIVE yet (a new one
  // backfills after CloudFormation is done: lambdas/handlers/expiry-notices.ts), and PutEvents (lib/lifecycle-events.ts).
  expiryNotices: {
    entrypoint: 'expiry-notices',
    description: 'Daily: a Key expiring event for each active key that expires soon',
    actions: ['dynamodb:DescribeTable'],
    queries: 'expiry',
  },
  whoami: { entrypoint: 'whoami', description: 'GET /whoami (sample protected backend)', actions: [] },
  health: { entrypoint: 'health', description: 'GET /health', actions: [] },
  // The document is built from its own bundle at cold start: no table, no secret.
  openapi: { entrypoint: 'openapi', description: "GET /openapi.json (this API's OpenAPI document)", actions: [] },
  // Files from its own bundle (its build hook: lib/key-api.ts); no table, no secret.
  console: { entrypoint: 'console', description: 'GET /console (the key owners console and the drop-in component)', actions: [] },
  // GetItem on key items only (granted with KEY_ITEMS_ONLY below); its signing-key read is granted in lib/assertion-signing.ts.
  token: { entrypoint: 'token', description: 'POST /oauth/token (client-credentials exchange)', actions: [] },
  // No table access: their grants (the JWKS parameter; the signing secret, its key and the parameter) are in lib/assertion-signing.ts.
  jwks: { entrypoint: 'jwks', description: 'GET /.well-known/jwks.json (assertion verifying keys)', actions: [] },
  signingKeyRotation: { entrypoint: 'rotate-signing-key', description: 'Rotates the assertion signing key (Secrets Manager)', actions: [] },
};

/** A management call makes a few DynamoDB calls in a row; it still ends inside API Gateway's 30 s integration limit. */
export const MANAGEMENT_FUNCTION_TIMEOUT = Duration.seconds(MANAGEMENT_FUNCTION_TIMEOUT_SECONDS);

const READ_ONLY_ACTIONS = new Set(['dynamodb:GetItem', 'dynamodb:BatchGetItem']);

export interface KeyFunctionOptions {
  readonly table: Table;
  readonly tableKey?: IKey | undefined;
  readonly logRetentionDays: number;
  readonly environment: Record<string, string>;
  readonly timeout: Duration;
  readonly memorySize?: number | undefined;
  /** For a function invoked asynchronously (EventBridge's target): the queue its failed events go to. */
  readonly deadLetterQueue?: IQueue | undefined;
  readonly afterBundling?: ((outputDir: string) => string[]) | undefined;
  /** The `sourceMaps` setting: ship the bundle's source map and read it at start-up (lib/bundling.ts); default off. */
  readonly sourceMaps?: boolean | undefined;
}

/** One of the project's functions, with a role that may do its own table actions and nothing else. */
export function createKeyFunction(scope: Construct, name: KeyFunctionName, options: KeyFunctionOptions): HouseFunction {
  const spec = FUNCTIONS[name];
  const { table, tableKey } = options;
  const fn = new HouseFunction(scope, `${name.charAt(0).toUpperCase()}${name.slice(1)}Function`, {
    entrypoint: spec.entrypoint,
    description: spec.description,
    serviceName: `user-api-keys-${spec.entrypoint}`,
    logRetentionDays: options.logRetentionDays,
    environment: options.environment,
    timeout: options.timeout,
    memorySize: options.memorySize,
    deadLetterQueue: options.deadLetterQueue,
    afterBundling: options.afterBundling,
    sourceMaps: options.sourceMaps,
  });
  if (name === 'authorizer') {
    // "Last used" bookkeeping: that one attribute of an existing key item, and nothing else (lib/table-access.ts).
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['dynamodb:UpdateItem'], resources: [table.tableArn], conditions: LAST_USED_WRITE_CONDITIONS }),
    );
  }
  if (name === 'token') {
    // It reads the key a client authenticates with, and nothing else: not an owner's or an event item.
    fn.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [table.tableArn], conditions: KEY_ITEMS_ONLY }));
    tableKey?.grant(fn, 'kms:Decrypt', 'kms:DescribeKey');
  }
  if (spec.actions.length > 0) {
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: [...spec.actions],
        resources: [table.tableArn],
        ...(writes(spec.actions) ? { conditions: NO_RETURNED_ITEMS } : {}),
      }),
    );
  }
  // The index it reads, and no other (none while an upgrade builds it): the table's own ARN does not cover its indexes.
  const queried = spec.queries === undefined ? undefined : indexRead(spec.queries, options.environment);
  if (queried !== undefined) {
    fn.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${table.tableArn}/index/${queried.name}`] }));
  }
  if ((spec.actions.length > 0 || queried !== undefined) && tableKey !== undefined) {
    // Named actions, no wildcards: what DynamoDB asks of a caller of a CMK-encrypted table.
    const readOnly = name !== 'authorizer' && spec.actions.every((action) => READ_ONLY_ACTIONS.has(action));
    tableKey.grant(fn, 'kms:Decrypt', 'kms:DescribeKey', ...(readOnly ? [] : ['kms:Encrypt', 'kms:GenerateDataKey']));
  }
  return fn;
}
