import { EVENT_LABELS } from '../../../console/src/event-labels';
import { AUDIT_EVENT_TYPES } from '../../../lambdas/domain/audit-event';

describe("the console's history", () => {
  it('names every audit event type the server records in words, a leak among them', () => {
    expect(Object.keys(EVENT_LABELS).sort()).toEqual([...AUDIT_EVENT_TYPES].sort());
    expect(EVENT_LABELS.leak_revoke).toBe('Revoked: found in public');
  });
});
