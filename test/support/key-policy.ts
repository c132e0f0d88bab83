import type { StoredKey } from '../../lambdas/domain/api-key';
import type { AuditEvent } from '../../lambdas/domain/audit-event';
import { auditEvent } from '../../lambdas/domain/audit-event';
import { KeyFormat } from '../../lambdas/domain/key-format';
import { DEFAULT_KEY_POLICY, type KeyPolicy } from '../../lambdas/domain/key-policy';
import { hashSecret } from '../../lambdas/domain/secret-hash';

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

/** A key as the store holds it, for store-level tests: created `now`, expiring an hour later by default. */
export function storedTestKey(ownerId: string, now: Date, overrides: Partial<StoredKey> = {}): StoredKey {
  const generated = new KeyFormat('uak').generate();
  return {
    keyId: generated.keyId,
    ownerId,
    secretHash: hashSecret(generated.secret),
    name: 'test key',
    scopes: ['read'],
    createdAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + 3600,
    ...overrides,
  };
}
