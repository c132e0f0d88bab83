import { AsyncLocalStorage } from 'node:async_hooks';
import { setMaxListeners } from 'node:events';

/**
 * A request-scoped deadline: what a management function has left before
 * Lambda kills it, minus a margin. Work that would pass it (a DynamoDB call,
 * a pause before retrying a transaction) is abandoned with
 * DeadlineExceededError, which the store reports as STORE_UNAVAILABLE (503,
 * Retry-After): the caller hears a clean, retryable answer instead of API
 * Gateway's 500 for a function that timed out.
 *
 * Outside `withDeadline` (the authorizer, tools, tests) nothing changes.
 */

/**
 * Taken off the function's remaining time: after a call is abandoned the frame
 * still maps the error, logs it, and hands the answer to the Lambda runtime,
 * and timers fire late on a busy event loop. A second is ample for that and
 * cheap next to the management timeout (24 s, MANAGEMENT_FUNCTION_TIMEOUT_SECONDS).
 */
export const DEADLINE_MARGIN_MS = 1000;

/**
 * Less than this left, a DynamoDB call is refused without being sent: one
 * round trip (a fresh TLS connection included) would not fit, and a request
 * sent only to be abandoned may still change the table behind the 503.
 */
export const DEADLINE_FLOOR_MS = 100;

/** Work abandoned because the request's deadline would pass. Not a DomainError: the store maps it to STORE_UNAVAILABLE. */
export class DeadlineExceededError extends Error {
  constructor(message = 'The request ran out of time', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeadlineExceededError';
  }
}

interface Deadline {
  readonly atMs: number;
  /** Aborted when the deadline passes (reason: a DeadlineExceededError). */
  readonly signal: AbortSignal;
}

const current = new AsyncLocalStorage<Deadline>();

/** What the Lambda runtime's context offers (the local gateway gives the same). */
export interface DeadlineContext {
  getRemainingTimeInMillis?(): number;
}

/**
 * The deadline (milliseconds since the epoch) for an invocation: its remaining
 * time minus `marginMs`; undefined without a context that tells the time left.
 */
export function deadlineFromContext(
  context?: DeadlineContext,
  marginMs: number = DEADLINE_MARGIN_MS,
  now: number = Date.now(),
): number | undefined {
  const remaining = context?.getRemainingTimeInMillis?.();
  if (remaining === undefined || !Number.isFinite(remaining)) return undefined;
  return now + remaining - marginMs;
}

/**
 * Runs `run` with `deadlineAtMs` in force for everything it starts (however
 * deep in promises). Undefined runs it with no deadline (or the enclosing
 * one); nested, the earlier deadline holds.
 */
export async function withDeadline<T>(deadlineAtMs: number | undefined, run: () => Promise<T>): Promise<T> {
  if (deadlineAtMs === undefined) return run();
  const outer = current.getStore();
  if (outer !== undefined && outer.atMs <= deadlineAtMs) return run();
  const controller = new AbortController();
  // Each DynamoDB call listens for a moment (this module and the SDK's handler); many in a row are not a leak.
  setMaxListeners(0, controller.signal);
  const timer = setTimeout(
    () => {
      controller.abort(new DeadlineExceededError('The request’s deadline passed'));
    },
    Math.max(0, deadlineAtMs - Date.now()),
  );
  timer.unref();
  try {
    return await current.run({ atMs: deadlineAtMs, signal: controller.signal }, run);
  } finally {
    clearTimeout(timer);
  }
}

/** Milliseconds left before the deadline in force (negative once passed); undefined with none. */
export function remainingMs(): number | undefined {
  const deadline = current.getStore();
  return deadline === undefined ? undefined : deadline.atMs - Date.now();
}

/** Aborts when the deadline in force passes; undefined with none. */
export function deadlineSignal(): AbortSignal | undefined {
  return current.getStore()?.signal;
}

/**
 * Throws DeadlineExceededError when a deadline is in force and less than
 * `neededMs` is left; `what` names the work in the message.
 */
export function ensureTimeLeft(neededMs: number, what: string, cause?: unknown): void {
  const left = remainingMs();
  if (left !== undefined && left < neededMs) {
    throw new DeadlineExceededError(`Not enough time left for ${what} (${Math.max(0, Math.floor(left))} ms)`, { cause });
  }
}

/**
 * `work`, abandoned with DeadlineExceededError if the deadline in force passes
 * first (it keeps running unless `work` itself heeds deadlineSignal()); as is
 * with no deadline.
 */
export function raceDeadline<T>(work: Promise<T>): Promise<T> {
  const signal = deadlineSignal();
  if (signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason instanceof Error ? signal.reason : new DeadlineExceededError());
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => {
      signal.removeEventListener('abort', onAbort);
    });
  });
}
