import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { sdkClientConfig, worstCaseMs, type CallTimeouts } from './call-timeouts';
import { DEADLINE_FLOOR_MS, deadlineSignal, ensureTimeLeft, raceDeadline } from './deadline';

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

/**
 * The management functions' timeout (lib/key-functions.ts deploys it, the
 * local gateway enforces it): a management call makes a few DynamoDB calls in
 * a row, and still ends inside API Gateway's 30 s integration limit.
 */
export const MANAGEMENT_FUNCTION_TIMEOUT_SECONDS = 2 * Math.ceil(worstCaseMs(MANAGEMENT_DYNAMODB_TIMEOUTS) / 1000);

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
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  heedDeadlines(documents);
  return documents;
}

/** The name of the middleware that holds each DynamoDB call to the request's deadline (lambdas/runtime/deadline.ts). */
export const DEADLINE_MIDDLEWARE_NAME = 'requestDeadlineMiddleware';

/**
 * Holds every call to the deadline in force, if any (management requests:
 * lambdas/handlers/management-handler.ts): with less than DEADLINE_FLOOR_MS
 * left it is refused before anything is sent; otherwise it is abandoned with
 * DeadlineExceededError when the deadline passes, retries and backoff
 * included. The deadline's AbortSignal goes where the SDK looks for a
 * per-call `abortSignal`: the retry middleware reads it from the handler
 * context (no further attempt, no backoff past it), and the HTTP handler from
 * its options, which no middleware reaches, hence the wrapped `handle`
 * (node-http-handler destroys the request on abort, releasing the socket).
 * With no deadline in force, calls go as before.
 */
function heedDeadlines(documents: DynamoDBDocumentClient): void {
  documents.middlewareStack.add(
    (next, context) => async (args) => {
      const signal = deadlineSignal();
      if (signal === undefined) return next(args);
      ensureTimeLeft(DEADLINE_FLOOR_MS, `a DynamoDB call (${context.commandName ?? 'command'})`);
      const smithy = (context.__smithy_context ??= {});
      smithy.abortSignal = combined(smithy.abortSignal as AbortSignal | undefined, signal);
      return raceDeadline(next(args));
    },
    { step: 'initialize', name: DEADLINE_MIDDLEWARE_NAME, priority: 'high' },
  );
  const handler = documents.config.requestHandler;
  const handle = handler.handle.bind(handler);
  handler.handle = (request, options) => {
    const signal = deadlineSignal();
    if (signal === undefined) return handle(request, options);
    const own = (options as { abortSignal?: AbortSignal } | undefined)?.abortSignal;
    return handle(request, { ...options, abortSignal: combined(own, signal) });
  };
}

const combined = (own: AbortSignal | undefined, deadline: AbortSignal): AbortSignal =>
  own === undefined || own === deadline ? deadline : AbortSignal.any([own, deadline]);
