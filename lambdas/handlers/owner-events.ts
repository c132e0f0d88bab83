import { applyAuth0Event, type OwnerEventResult } from '../domain/owner-events';
import type { OwnerLifecycle } from '../domain/owner-lifecycle';
import { describeError, type AppLogger } from '../observability/logger';

export interface OwnerEventDependencies {
  readonly lifecycle: Pick<OwnerLifecycle, 'apply'>;
  readonly logger: AppLogger;
}

/**
 * The EventBridge target for Auth0's Log Streams and Auth0 Events: one event
 * per invocation. A fault is thrown, so EventBridge retries the event and,
 * in the end, sends it to the dead-letter queue (lib/); applying it again is
 * harmless (owner-lifecycle.ts).
 */
export const createOwnerEventsHandler =
  (deps: OwnerEventDependencies) =>
  async (event: unknown): Promise<OwnerEventResult> => {
    try {
      const result = await applyAuth0Event(deps.lifecycle, event);
      deps.logger.info('auth0 event', summary(result));
      return result;
    } catch (error) {
      deps.logger.error('auth0 event failed', describeError(error));
      throw error;
    }
  };

/** What is logged: ids, the change and its count; the user id is the owner's `sub`, as every management log has it. */
export function summary(result: OwnerEventResult): Record<string, unknown> {
  return result.kind === 'ignored'
    ? { result: 'ignored', reason: result.reason, eventId: result.eventId }
    : {
        result: result.outcome.action,
        change: result.outcome.change,
        sub: result.outcome.sub,
        keys: result.outcome.keys,
        eventId: result.eventId,
      };
}
