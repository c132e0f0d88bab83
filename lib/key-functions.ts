import { Duration } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { FunctionName } from '../lambdas/api-definition';
import { MANAGEMENT_DYNAMODB_TIMEOUTS, worstCaseMs } from '../lambdas/runtime/clients';
import { TABLE } from '../lambdas/store/table-schema';
import { HouseFunction } from './house-function';

interface FunctionSpec {
  readonly entrypoint: string;
  readonly description: string;
  /** Actions on the table itself (items); never Query. */
  readonly actions: readonly string[];
  /** The one index this function queries: Query is granted on that index and nowhere else. */
  readonly queries?: string;
}

export type KeyFunctionName = FunctionName | 'authorizer';

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
    queries: TABLE.ownerIndex.name,
  },
  getKey: { entrypoint: 'get-key', description: 'GET /keys/{id}', actions: ['dynamodb:GetItem'] },
  updateKey: {
    entrypoint: 'update-key',
    description: 'PATCH /keys/{id}',
    // A transaction: the key's Update and its audit events' Puts.
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
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
    queries: TABLE.eventIndex.name,
  },
  whoami: { entrypoint: 'whoami', description: 'GET /whoami (sample protected backend)', actions: [] },
  health: { entrypoint: 'health', description: 'GET /health', actions: [] },
};

/** A management call makes a few DynamoDB calls in a row; it still ends inside API Gateway's 30 s integration limit. */
export const MANAGEMENT_FUNCTION_TIMEOUT = Duration.seconds(2 * Math.ceil(worstCaseMs(MANAGEMENT_DYNAMODB_TIMEOUTS) / 1000));

const READ_ONLY_ACTIONS = new Set(['dynamodb:GetItem', 'dynamodb:BatchGetItem']);

export interface KeyFunctionOptions {
  readonly table: Table;
  readonly tableKey?: IKey | undefined;
  readonly logRetentionDays: number;
  readonly environment: Record<string, string>;
  readonly timeout: Duration;
  readonly memorySize?: number | undefined;
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
  });
  if (name === 'authorizer') {
    // "Last used" bookkeeping: the authorizer may update that one attribute and nothing else.
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:UpdateItem'],
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:Attributes': [TABLE.partitionKey, 'lastUsedAt'] } },
      }),
    );
  }
  if (spec.actions.length > 0) {
    fn.addToRolePolicy(new PolicyStatement({ actions: [...spec.actions], resources: [table.tableArn] }));
  }
  if (spec.queries !== undefined) {
    // The index it reads, and no other: the table's own ARN does not cover its indexes.
    fn.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${table.tableArn}/index/${spec.queries}`] }));
  }
  if ((spec.actions.length > 0 || spec.queries !== undefined) && tableKey !== undefined) {
    // Named actions, no wildcards: what DynamoDB asks of a caller of a CMK-encrypted table.
    const readOnly = name !== 'authorizer' && spec.actions.every((action) => READ_ONLY_ACTIONS.has(action));
    tableKey.grant(fn, 'kms:Decrypt', 'kms:DescribeKey', ...(readOnly ? [] : ['kms:Encrypt', 'kms:GenerateDataKey']));
  }
  return fn;
}
