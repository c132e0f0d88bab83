import type { SkippedEntry, StormpathAccount, StormpathExport, StormpathKey } from '../../../stormpath/export-reader';
import { planImport } from '../../../stormpath/import-plan';
import { ownerResolver, parseOwnerTemplate, type OwnerResolution } from '../../../stormpath/owner-mapping';

const accountOf = (accountId: string, fields: Partial<StormpathAccount> = {}): StormpathAccount => ({
  accountId,
  email: `${accountId}@example.com`,
  enabled: true,
  emailVerification: 'verified',
  file: `/t/accounts/${accountId}.json`,
  ...fields,
});
const withoutEmail = (accountId: string): StormpathAccount => {
  const { email: _email, ...rest } = accountOf(accountId);
  return rest;
};

const keyOf = (keyId: string, accountId: string, enabled = true): StormpathKey => ({
  keyId,
  secretHash: `hash-of-${keyId}`,
  enabled,
  accountId,
  file: `/t/accounts/${accountId}.json`,
});

function exportOf(accounts: StormpathAccount[], keys: StormpathKey[], skipped: SkippedEntry[] = []): StormpathExport {
  return { tenantId: 'T', root: '/t', accounts: new Map(accounts.map((a) => [a.accountId, a])), keys, skipped };
}

describe('planImport', () => {
  it('sorts keys by owner id, then key id', () => {
    const exported = exportOf(
      [accountOf('b'), accountOf('a'), accountOf('c')],
      [keyOf('K3', 'b'), keyOf('K9', 'a'), keyOf('K1', 'b'), keyOf('K2', 'c'), keyOf('K5', 'a')],
    );
    const plan = planImport(exported, ownerResolver({}));

    expect(plan.keys.map((key) => `${key.ownerId} ${key.keyId}`)).toEqual([
      'auth0|a K5',
      'auth0|a K9',
      'auth0|b K1',
      'auth0|b K3',
      'auth0|c K2',
    ]);
    expect(plan.keys[0]).toEqual({ keyId: 'K5', secretHash: 'hash-of-K5', ownerId: 'auth0|a', enabled: true, accountId: 'a' });
  });

  it('enables a key only if the key and its account are both enabled', () => {
    const exported = exportOf(
      [accountOf('on'), accountOf('off', { enabled: false })],
      [keyOf('K1', 'on'), keyOf('K2', 'on', false), keyOf('K3', 'off'), keyOf('K4', 'off', false)],
    );
    const plan = planImport(exported, ownerResolver({}));
    expect(Object.fromEntries(plan.keys.map((key) => [key.keyId, key.enabled]))).toEqual({ K1: true, K2: false, K3: false, K4: false });
  });

  it("skips each key of an account without an owner, after the reader's skips, and counts accounts and owners", () => {
    const readerSkip = { keyId: 'BAD', file: '/t/apiKeys/BAD.json', reason: 'secret is not 43 characters of base64' };
    const exported = exportOf(
      [accountOf('a'), withoutEmail('noemail'), accountOf('b'), accountOf('nokeys')],
      [keyOf('K1', 'a'), keyOf('K2', 'noemail'), keyOf('K3', 'noemail'), keyOf('K4', 'b'), keyOf('K5', 'b')],
      [readerSkip],
    );
    const plan = planImport(exported, ownerResolver({ template: parseOwnerTemplate('email|{email}') }));

    expect(plan.tenantId).toBe('T');
    expect(plan.accounts).toBe(4);
    expect(plan.owners).toBe(2);
    expect(plan.keys.map((key) => key.keyId)).toEqual(['K1', 'K4', 'K5']);
    expect(plan.skipped).toEqual([
      readerSkip,
      { keyId: 'K2', accountId: 'noemail', file: '/t/accounts/noemail.json', reason: 'account has no email' },
      { keyId: 'K3', accountId: 'noemail', file: '/t/accounts/noemail.json', reason: 'account has no email' },
    ]);
  });

  it('never lets two accounts share an owner: both are skipped, saying so, and the rest imports', () => {
    const sameOwner = (account: StormpathAccount): OwnerResolution => ({
      ok: true,
      ownerId: account.accountId === 'c' ? 'auth0|c' : 'auth0|one',
    });
    const plan = planImport(
      exportOf([accountOf('a'), accountOf('b'), accountOf('c')], [keyOf('K1', 'a'), keyOf('K2', 'b'), keyOf('K3', 'c')]),
      sameOwner,
    );
    expect(plan.keys.map((key) => key.keyId)).toEqual(['K3']);
    expect(plan.owners).toBe(1);
    expect(plan.skipped).toEqual([
      { keyId: 'K1', accountId: 'a', reason: 'accounts a, b would all be owned by auth0|one: give each its own owner' },
      { keyId: 'K2', accountId: 'b', reason: 'accounts b, a would all be owned by auth0|one: give each its own owner' },
    ]);
  });

  it('resolves each account once, however many keys it has', () => {
    const resolve = jest.fn((account: StormpathAccount): OwnerResolution => ({ ok: true, ownerId: account.accountId }));
    const keys = Array.from({ length: 1000 }, (_, i) => keyOf(`K${String(i).padStart(4, '0')}`, i % 2 === 0 ? 'a' : 'b'));
    const plan = planImport(exportOf([accountOf('a'), accountOf('b')], keys), resolve);

    expect(resolve).toHaveBeenCalledTimes(2);
    expect(plan.keys).toHaveLength(1000);
  });

  it('skips a key whose account is missing from a hand-built export', () => {
    const plan = planImport(exportOf([], [keyOf('K1', 'gone')]), ownerResolver({}));
    expect(plan.keys).toEqual([]);
    expect(plan.skipped).toEqual([
      { keyId: 'K1', accountId: 'gone', file: '/t/accounts/gone.json', reason: 'account gone is not in the export' },
    ]);
  });

  it('plans nothing for an empty export', () => {
    expect(planImport(exportOf([], []), ownerResolver({}))).toEqual({ tenantId: 'T', accounts: 0, keys: [], skipped: [], owners: 0 });
  });
});
