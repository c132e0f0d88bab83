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

/**
 * The default policy with the test scopes allowed, and any overrides. Each
 * owner's budget of creates is wide (tests of other rules make many keys in
 * a moment); the budget's own tests set theirs.
 */
export function testKeyPolicy(overrides: Partial<KeyPolicy> = {}): KeyPolicy {
  return { ...DEFAULT_KEY_POLICY, allowedScopes: TEST_ALLOWED_SCOPES, ownerBudget: WIDE_OWNER_BUDGET, ...overrides };
}

/** More creates per owner than any test of another rule makes. */
export const WIDE_OWNER_BUDGET = { perMinute: 600, burst: 1000 } as const;

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

/** A revoke's `purgeAt` that keeps the key's own expiry (the year 9999): for tests of other rules than the tombstone's retention. */
export const NEVER_PURGED = 253_402_300_799;
