import { checkedUrl } from './base-url';
import { ApiError, errorCodeOf, errorMessageOf } from './errors';
import { retryAfterSeconds } from './retry-after';

/**
 * How a request that is safe to repeat (a create or rotate with its Idempotency-Key) is retried
 * when its answer is lost: after a network failure (no HTTP answer, or an answer cut off) or a
 * 502/503/504, the same request again, so the server makes the key at most once and answers a
 * retry of one it made with that first answer.
 */
export const RETRY_POLICY = {
  /** Retries after the first attempt. */
  retries: 2,
  /** The wait before each retry, without a Retry-After. */
  backoffMs: [500, 1500],
  /** A Retry-After up to this is waited for; a longer one is reported (`retryAfterSeconds`), not waited for. */
  maxRetryAfterSeconds: 5,
  statuses: [502, 503, 504],
} as const;

/** An AbortSignal where the global is declared (the DOM lib, or Node.js's types); else unknown, so these types need neither. */
export type FetchSignal = typeof globalThis extends { AbortSignal: { prototype: infer S } } ? S : unknown;

/** What this library passes to fetch. */
export interface FetchInit {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly redirect: 'error';
  readonly signal: FetchSignal;
}

/** What this library reads of fetch's answer: a `Response` is one. */
export interface FetchResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/**
 * The fetch this library calls: the global one by default, or any function of this shape (the global
 * `fetch` is one). Declared here rather than as `typeof fetch`, so the package's types need no DOM or
 * Node.js types loaded.
 */
export type FetchLike = (url: string, init: FetchInit) => Promise<FetchResponse>;

/** What a request needs from outside: injectable, so tests neither wait nor reach the network. */
export interface Transport {
  readonly fetch: FetchLike;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => Date;
  readonly timeoutMs: number;
}

export const realSleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface HttpRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | undefined;
  /** Retried as RETRY_POLICY says: only a request the server makes safe to repeat. */
  readonly retry: boolean;
  /** Named in messages: the endpoint or the identity provider's origin, never a URL that could carry a secret. */
  readonly target: string;
  /** Every answer is returned, whatever its status (a body that is not JSON as undefined): for OAuth flows, which read errors themselves. */
  readonly returnErrors?: boolean | undefined;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: FetchResponse['headers'];
  /** The parsed JSON body; undefined when empty. */
  readonly body: unknown;
}

/** What one attempt came to: an HTTP answer read to its end, or none. */
type Attempt =
  | { readonly answered: true; readonly status: number; readonly headers: FetchResponse['headers']; readonly text: string }
  | { readonly answered: false; readonly error: ApiError; readonly retryable: boolean };

/** A 2xx answer, parsed; anything else an ApiError. Retried first when the request allows it. */
export async function send(transport: Transport, request: HttpRequest): Promise<HttpAnswer> {
  // Each caller checks its base URL first, naming it; this checks the very URL fetch is given, whatever was appended.
  checkedUrl(request.url, 'request URL');
  checkHeaders(request.headers);
  const retries = request.retry ? RETRY_POLICY.retries : 0;
  for (let attempt = 0; ; attempt += 1) {
    const outcome = await attemptOnce(transport, request);
    const wait = attempt < retries ? retryDelay(outcome, attempt, transport.now()) : undefined;
    if (wait === undefined) return settle(outcome, transport.now(), request.returnErrors === true);
    await transport.sleep(wait);
  }
}

/** How long to wait before retrying after `outcome`, or undefined for no retry. */
function retryDelay(outcome: Attempt, attempt: number, now: Date): number | undefined {
  const backoff = RETRY_POLICY.backoffMs[attempt] ?? RETRY_POLICY.backoffMs[RETRY_POLICY.backoffMs.length - 1];
  if (!outcome.answered) return outcome.retryable ? backoff : undefined;
  if (!(RETRY_POLICY.statuses as readonly number[]).includes(outcome.status)) return undefined;
  const after = retryAfterSeconds(outcome.headers.get('retry-after'), now);
  if (after === undefined) return backoff;
  return after <= RETRY_POLICY.maxRetryAfterSeconds ? after * 1000 : undefined;
}

/** One request, its answer read to the end; a failure to get either is no answer. */
async function attemptOnce(transport: Transport, request: HttpRequest): Promise<Attempt> {
  // A change whose answer is lost may have been made all the same; a read never changes anything.
  const mayHaveSucceeded = request.method !== 'GET';
  let response: FetchResponse;
  try {
    response = await transport.fetch(request.url, {
      method: request.method,
      headers: { ...request.headers },
      ...(request.body !== undefined ? { body: request.body } : {}),
      // Neither the API nor the identity provider redirects; following one would hand the credential to wherever it points.
      redirect: 'error',
      signal: AbortSignal.timeout(transport.timeoutMs),
    });
  } catch (error) {
    if (!sentAtAll(error)) {
      // fetch refused to build the request (a header, the URL or the body): its words may quote a header, so a
      // token. Nothing was sent, and sending it again would be refused again.
      const refused = new ApiError(`Cannot send the request to ${request.target}: fetch refused it as malformed`, {
        code: 'MALFORMED_REQUEST',
      });
      return { answered: false, error: refused, retryable: false };
    }
    const cause = causeOf(error);
    if (cause === 'unexpected redirect') {
      // An answer, not a lost one: asking again would get the same.
      const refused = new ApiError(`Cannot reach ${request.target}: unexpected redirect (redirects are never followed)`, {
        code: 'REDIRECT_REFUSED',
      });
      return { answered: false, error: refused, retryable: false };
    }
    const lost = new ApiError(`Cannot reach ${request.target}: ${cause}`, { code: 'NETWORK_ERROR', mayHaveSucceeded, cause: error });
    return { answered: false, error: lost, retryable: true };
  }
  try {
    return { answered: true, status: response.status, headers: response.headers, text: await response.text() };
  } catch (error) {
    // The answer was cut off: as lost as no answer at all.
    const lost = new ApiError(`Lost the answer from ${request.target}: ${causeOf(error)}`, {
      code: 'NETWORK_ERROR',
      mayHaveSucceeded,
      cause: error,
    });
    return { answered: false, error: lost, retryable: true };
  }
}

function settle(outcome: Attempt, now: Date, returnErrors: boolean): HttpAnswer {
  if (!outcome.answered) throw outcome.error;
  const { status, headers, text } = outcome;
  let body: unknown;
  let parsed = true;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = false;
  }
  if (returnErrors) return { status, headers, body };
  if (status >= 200 && status <= 299) {
    if (!parsed) throw new ApiError(`The answer (HTTP ${status}) is not JSON`, { code: 'INVALID_RESPONSE', status });
    return { status, headers, body };
  }
  // 429 (and a 503 not retried) say when to try again.
  const after = status === 429 || status === 503 ? retryAfterSeconds(headers.get('retry-after'), now) : undefined;
  throw new ApiError(errorMessageOf(body, status), { ...errorCodeOf(body, status), status, retryAfterSeconds: after });
}

/**
 * A token or key fit for a header: visible ASCII (RFC 6750's b64token and RFC 7617's Basic credentials
 * are narrower still). Anything else (a line break, a NUL, a space, a non-Latin-1 character) is refused
 * before any request, in words that never hold the value: fetch's own error quotes the header.
 */
export function checkCredential(value: string, what: string): void {
  if (!/^[\x21-\x7e]+$/.test(value)) {
    const problem = value === '' ? 'is empty' : 'holds characters a token never has (spaces, line breaks, control or non-ASCII characters)';
    throw new ApiError(`The ${what} ${problem}: check where it was copied from`, { code: 'INVALID_CREDENTIAL' });
  }
}

/** Every header value fetch would take (no CR, LF or NUL; Latin-1 only): else an ApiError naming the header, never its value. */
function checkHeaders(headers: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(headers)) {
    // eslint-disable-next-line no-control-regex
    if (/[\r\n\0]|[^\x00-\xff]/.test(value)) {
      const credential = name.toLowerCase() === 'authorization';
      throw new ApiError(
        credential
          ? 'The credential holds characters that cannot be sent in a header (line breaks, NUL or non-Latin-1 characters)'
          : `The ${name} header holds characters that cannot be sent (line breaks, NUL or non-Latin-1 characters)`,
        { code: credential ? 'INVALID_CREDENTIAL' : 'MALFORMED_REQUEST' },
      );
    }
  }
}

/**
 * Whether fetch got as far as the network: it says a lost connection with `fetch failed` (its cause the
 * socket's error) and a timeout with an AbortError or TimeoutError; any other TypeError is its refusal
 * to build the request, whose message may quote a header's value.
 */
function sentAtAll(error: unknown): boolean {
  if (!(error instanceof TypeError)) return true;
  return error.message === 'fetch failed';
}

/** What fetch said went wrong: the socket's error code, or the message. */
function causeOf(error: unknown): string {
  const { cause: reason, message } = error as Error & { cause?: { code?: string; message?: string } };
  return reason?.code ?? reason?.message ?? message;
}

/** The answer's body as an object with `fields`, or INVALID_RESPONSE: a proxy's page or a stray 204 never reaches the caller as a key. */
export function objectBody<T extends object>(answer: HttpAnswer, fields: readonly (keyof T & string)[]): T {
  const { body, status } = answer;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !fields.every((field) => field in body)) {
    throw notTheApis(status);
  }
  return body as T;
}

/** The error for a 2xx answer whose body is not what the API sends. */
export const notTheApis = (status: number): ApiError =>
  new ApiError(`The answer (HTTP ${status}) is not the API's`, { code: 'INVALID_RESPONSE', status });
