import { readAuth0Event } from './auth0-events';
import type { LifecycleOutcome, OwnerLifecycle } from './owner-lifecycle';

/** What one event did: applied to its owner's keys, or ignored (another type, junk, a failed operation) with why. */
export type OwnerEventResult =
  | { readonly kind: 'applied'; readonly eventId: string; readonly outcome: LifecycleOutcome }
  | { readonly kind: 'ignored'; readonly reason: string; readonly eventId?: string };

/**
 * One of Auth0's events, whatever the way it came (EventBridge, webhook, an
 * operator's file): read it (auth0-events.ts) and apply what it says
 * (owner-lifecycle.ts). Ignoring is not an error: Auth0 sends far more than
 * these few types. Faults (DynamoDB) are thrown, so the event is retried.
 */
export async function applyAuth0Event(lifecycle: Pick<OwnerLifecycle, 'apply'>, raw: unknown): Promise<OwnerEventResult> {
  const read = readAuth0Event(raw);
  if (read.kind === 'ignored') return read;
  return { kind: 'applied', eventId: read.signal.eventId, outcome: await lifecycle.apply(read.signal) };
}

/** One line per event for people (the `auth0-events` tool) and logs: what it did, never more than Auth0 sent. */
export function describeOwnerEvent(result: OwnerEventResult): string {
  if (result.kind === 'ignored') return `ignored${result.eventId !== undefined ? ` ${result.eventId}` : ''}: ${result.reason}`;
  const { sub, change, action, keys } = result.outcome;
  const what = action === 'stale' ? 'a later report is already applied, nothing changed' : `${keys} key${keys === 1 ? '' : 's'} ${action}`;
  return `${change} ${sub} (${result.eventId}): ${what}`;
}
