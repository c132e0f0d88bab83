import type { SkippedEntry, StormpathAccount, StormpathExport } from './export-reader';
import type { OwnerResolution } from './owner-mapping';

/** What the writer stores for one Stormpath key: no secret, only its hash. */
export interface PlannedKey {
  readonly keyId: string;
  readonly secretHash: string;
  readonly ownerId: string;
  /** Only if the key and its account are both enabled. */
  readonly enabled: boolean;
  readonly accountId: string;
}

export interface ImportPlan {
  readonly tenantId: string;
  /** Account files read. */
  readonly accounts: number;
  /** Sorted by owner id, then key id: the same export gives the same plan, and the writer groups by owner. */
  readonly keys: readonly PlannedKey[];
  /** The reader's skips, then keys whose account has no owner. */
  readonly skipped: readonly SkippedEntry[];
  /** distinct owner ids with at least one planned key */
  readonly owners: number;
}

/** Gives each key its owner; a key whose account cannot be given one is skipped, with the reason. */
export function planImport(exported: StormpathExport, resolveOwner: (account: StormpathAccount) => OwnerResolution): ImportPlan {
  // Once per account: one account may hold thousands of keys.
  const resolutions = new Map<string, OwnerResolution>();
  const ownerOf = (account: StormpathAccount): OwnerResolution => {
    const known = resolutions.get(account.accountId);
    if (known !== undefined) return known;
    const resolution = resolveOwner(account);
    resolutions.set(account.accountId, resolution);
    return resolution;
  };

  const keys: PlannedKey[] = [];
  const skipped: SkippedEntry[] = [...exported.skipped];
  for (const key of exported.keys) {
    const { keyId, accountId, file } = key;
    const account = exported.accounts.get(accountId);
    const owner: OwnerResolution =
      account === undefined ? { ok: false, reason: `account ${accountId} is not in the export` } : ownerOf(account);
    if (!owner.ok) {
      skipped.push({ keyId, accountId, file, reason: owner.reason });
      continue;
    }
    keys.push({ keyId, secretHash: key.secretHash, ownerId: owner.ownerId, enabled: key.enabled && account?.enabled === true, accountId });
  }

  // Two accounts must never share an owner: Stormpath emails and usernames are unique only per directory, so
  // one account could otherwise give its keys, and the power to act as that owner, to someone else's sub.
  const accountsByOwner = new Map<string, Set<string>>();
  for (const key of keys) accountsByOwner.set(key.ownerId, (accountsByOwner.get(key.ownerId) ?? new Set()).add(key.accountId));
  const shared = new Set([...accountsByOwner].filter(([, accounts]) => accounts.size > 1).map(([ownerId]) => ownerId));
  if (shared.size > 0) {
    for (const key of keys.filter((planned) => shared.has(planned.ownerId))) {
      const others = [...(accountsByOwner.get(key.ownerId) ?? [])].filter((id) => id !== key.accountId);
      skipped.push({
        keyId: key.keyId,
        accountId: key.accountId,
        reason: `accounts ${[key.accountId, ...others].join(', ')} would all be owned by ${key.ownerId}: give each its own owner`,
      });
    }
    keys.splice(0, keys.length, ...keys.filter((planned) => !shared.has(planned.ownerId)));
  }

  // Plain code-unit order, not localeCompare: the same on every machine.
  keys.sort((a, b) => compare(a.ownerId, b.ownerId) || compare(a.keyId, b.keyId));
  return {
    tenantId: exported.tenantId,
    accounts: exported.accounts.size,
    keys,
    skipped,
    owners: new Set(keys.map((key) => key.ownerId)).size,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
