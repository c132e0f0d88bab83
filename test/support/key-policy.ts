import type { AuditEvent } from '../../lambdas/domain/audit-event';
import { auditEvent } from '../../lambdas/domain/audit-event';
import { DEFAULT_KEY_POLICY, type KeyPolicy } from '../../lambdas/domain/key-policy';

/** Every scope the tests put on keys; the allowed set itself is tested in create-key-request.test.ts. */
export const TEST_ALLOWED_SCOPES = [
  'a',
  'deploy',
  'keys:manage',
  'keys:read',
  'keys:write',
  'logs:read',
  'openid',
  'orders:read',
  'orders:write',
  'profile',
  'read',
  'read:orders',
  'write',
  'write:orders',
  's'.repeat(64),
  'b',
  'c',
  'a.b_c-d/e*',
  'ALL',
  '0',
  ...Array.from({ length: 30 }, (_, i) => `scope${i}`),
];

/** The default policy with the test scopes allowed, and any overrides. */
export function testKeyPolicy(overrides: Partial<KeyPolicy> = {}): KeyPolicy {
  return { ...DEFAULT_KEY_POLICY, allowedScopes: TEST_ALLOWED_SCOPES, ...overrides };
}

/** An audit event for store-level tests, which write keys without the service. */
export function testEvent(key: { keyId: string; ownerId: string }, type: AuditEvent['type'] = 'create', at = new Date()): AuditEvent {
  return auditEvent({ sub: key.ownerId, sourceIp: '127.0.0.1', userAgent: 'jest' }, key, type, at, DEFAULT_KEY_POLICY.auditRetentionDays);
}
