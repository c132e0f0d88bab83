import { isDomainError, type DomainError, type ErrorCode } from '../../lambdas/domain/errors';
import { statusOf } from '../../lambdas/http/error-status';

/** A DomainError as a client would see it: its code and message, and the status the one HTTP table gives its code. */
export interface SeenError {
  readonly status: number;
  readonly code: ErrorCode;
  readonly message: string;
  readonly error: DomainError;
}

/** Fails the test unless `error` is a DomainError; then, what a client would see of it. */
export function seen(error: unknown): SeenError {
  expect(isDomainError(error)).toBe(true);
  const domain = error as DomainError;
  return { status: statusOf(domain), code: domain.code, message: domain.message, error: domain };
}

/** What a client would see of the error `promise` rejects with; fails the test if it resolves or rejects with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<SeenError> {
  let value: unknown;
  try {
    value = await promise;
  } catch (error) {
    return seen(error);
  }
  throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
}
