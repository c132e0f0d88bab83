import type { AssertionSubject } from '../domain/assertion-signer';
import { describeError, type AppLogger } from '../observability/logger';

/** The longest the init phase waits for the warm-up: past it the first request finishes what is left. */
export const WARM_UP_BUDGET_MS = 1500;

export interface WarmUpParts {
  /** One read of a key that cannot exist: credentials, endpoint, marshalling and the TLS connection, all made now. */
  readonly read: () => Promise<unknown>;
  /** One assertion signed for nobody: the signing key's first load awaited, the signing code run once. */
  readonly sign?: (() => Promise<unknown>) | undefined;
  readonly logger: AppLogger;
  readonly budgetMs?: number | undefined;
}

export const WARM_UP_SUBJECT: AssertionSubject = { sub: 'warm-up', keyId: 'warm-up', scopes: [] };

/**
 * Run in the init phase (the entry point's top-level await), so the first
 * request does not pay for the first DynamoDB connection and the SDK's lazy
 * set-up. Lambda runs the init at full CPU and bills it either way (since
 * August 2025, https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/),
 * so work moved here is not extra cost. Never fails the init: a fault is
 * logged (the first request meets it again, and fails closed there), and it
 * gives up waiting after `budgetMs`.
 */
export async function warmUp(parts: WarmUpParts): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<'timed out'>((resolve) => {
    timer = setTimeout(() => {
      resolve('timed out');
    }, parts.budgetMs ?? WARM_UP_BUDGET_MS);
  });
  const work = Promise.all([parts.read(), parts.sign?.()]).then(
    () => 'done' as const,
    (error: unknown) => {
      parts.logger.warn('authorizer warm-up failed; the first request will retry', describeError(error));
      return 'failed' as const;
    },
  );
  const outcome = await Promise.race([work, gaveUp]);
  clearTimeout(timer);
  if (outcome === 'timed out')
    parts.logger.warn('authorizer warm-up still running at the end of its budget', { budgetMs: parts.budgetMs ?? WARM_UP_BUDGET_MS });
}
