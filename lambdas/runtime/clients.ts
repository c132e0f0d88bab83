import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { sdkClientConfig, worstCaseMs, type CallTimeouts } from './call-timeouts';

/** How long one DynamoDB call may take, all attempts included. */
export type DynamoDbTimeouts = CallTimeouts;
export { worstCaseMs };

/**
 * The authorizer sits on every request's path: it gives up quickly so that
 * API Gateway hears a failure (a 500, never an allow) well inside the
 * function's own timeout (lib/ sets it from `worstCaseMs`).
 */
export const AUTHORIZER_DYNAMODB_TIMEOUTS: DynamoDbTimeouts = {
  connectionTimeoutMs: 500,
  requestTimeoutMs: 800,
  maxAttempts: 2,
};

/** DynamoDB Local on a laptop or a busy CI machine answers far slower than DynamoDB. */
export const LOCAL_DYNAMODB_TIMEOUTS: DynamoDbTimeouts = {
  connectionTimeoutMs: 2000,
  requestTimeoutMs: 15_000,
  maxAttempts: 3,
};

export const MANAGEMENT_DYNAMODB_TIMEOUTS: DynamoDbTimeouts = {
  connectionTimeoutMs: 1000,
  requestTimeoutMs: 2000,
  maxAttempts: 3,
};

/** What any DynamoDB Local started with `-sharedDb` accepts (it checks no signature). */
export const SHARED_DB_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export interface DocumentClientOptions {
  /** For DynamoDB Local; unset in AWS. */
  readonly endpoint?: string | undefined;
  /** With `endpoint`: which of DynamoDB Local's databases (one per access key id); default the `-sharedDb` one's `local`. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
  readonly timeouts?: DynamoDbTimeouts | undefined;
}

/** Built once per process and reused by every invocation. */
export function createDocumentClient(options: DocumentClientOptions = {}): DynamoDBDocumentClient {
  const timeouts = options.timeouts ?? (options.endpoint !== undefined ? LOCAL_DYNAMODB_TIMEOUTS : MANAGEMENT_DYNAMODB_TIMEOUTS);
  const local =
    options.endpoint === undefined
      ? {}
      : {
          endpoint: options.endpoint,
          region: 'local',
          credentials: { ...(options.credentials ?? SHARED_DB_CREDENTIALS) },
        };
  const client = new DynamoDBClient({ ...sdkClientConfig(timeouts), ...local });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
