import type { StoredKey } from '../lambdas/domain/api-key';
import { auditEvent, type Auth0Actor, type Caller } from '../lambdas/domain/audit-event';
import type { OwnerStatusView } from '../lambdas/domain/key-store';
import { batchesOf, type ImportWriteResult, type KeyToImport } from '../lambdas/store/key-import';
import type { SkippedEntry } from './export-reader';
import type { ImportPlan, PlannedKey } from './import-plan';

/** What an import (or a dry run) did: `--json` prints exactly this. */
export interface ImportReport {
  readonly tenantId: string;
  readonly dryRun: boolean;
  /** Account files read. */
  readonly accounts: number;
  /** Keys found in the export that can be imported (skipped ones not counted). */
  readonly keys: number;
  /** Written now (a dry run: would be written, unless already there). */
  readonly imported: number;
  /** Already in the table from an earlier run: left exactly as they are. */
  readonly alreadyImported: number;
  readonly skipped: readonly SkippedEntry[];
  /** Distinct owners the keys go to. */
  readonly owners: number;
  readonly disabled: number;
  readonly scopes: readonly string[];
  /** ISO-8601 */
  readonly expiresAt: string;
}

export interface ImportWriter {
  /** Answers what Auth0 has reported about the owner: their keys come in paused while blocked, not at all once deleted. */
  prepareOwner(ownerId: string): Promise<OwnerStatusView>;
  write(batch: readonly KeyToImport[]): Promise<ImportWriteResult>;
}

export interface ImportOptions {
  readonly plan: ImportPlan;
  /** Absent for a dry run: nothing is written. */
  readonly writer?: ImportWriter | undefined;
  readonly scopes: readonly string[];
  /** Epoch seconds: when every imported key expires (Stormpath keys never did). */
  readonly expiresAt: number;
  readonly now: Date;
  readonly auditRetentionDays: number;
  /** Transactions in flight at once (default 8); never two for one owner, whose counts they share. */
  readonly concurrency?: number | undefined;
  readonly onProgress?: ((written: number, total: number) => void) | undefined;
}

/** The marker of a key paused because Auth0 reports its owner blocked (lambdas/domain/owner-keys.ts). */
const BLOCKED_BY: Auth0Actor = 'auth0:user.blocked';

/** The name an imported key gets (Stormpath keys had none); its owner may rename it. */
export const IMPORTED_KEY_NAME = 'Imported from Stormpath';

/** Who the `import` events name as the actor: the importer, with the export's tenant. */
export const importActor = (tenantId: string): string => `importer:stormpath/${tenantId}`;

function toImport(planned: PlannedKey, options: ImportOptions, blocked = false): KeyToImport {
  const at = options.now.toISOString();
  const key: StoredKey = {
    keyId: planned.keyId,
    ownerId: planned.ownerId,
    secretHash: planned.secretHash,
    name: IMPORTED_KEY_NAME,
    scopes: [...options.scopes],
    createdAt: at,
    expiresAt: options.expiresAt,
    ...(planned.enabled && !blocked ? {} : { disabledAt: at }),
    // As the block itself would have paused it: the unblock resumes it (lambdas/domain/owner-lifecycle.ts).
    ...(planned.enabled && blocked ? { disabledBy: BLOCKED_BY } : {}),
  };
  const caller: Caller = { sub: importActor(options.plan.tenantId), sourceIp: '', userAgent: 'user-api-keys import:stormpath' };
  const details = {
    tenant: options.plan.tenantId,
    account: planned.accountId,
    ...(planned.enabled ? (blocked ? { status: 'paused: Auth0 reports the user blocked' } : {}) : { status: 'disabled' }),
  };
  return { key, event: auditEvent(caller, key, 'import', options.now, options.auditRetentionDays, details) };
}

/**
 * Runs batches `concurrency` at a time, never two that touch the same owner
 * at once (they would only collide on its item and retry).
 */
async function writeAll(
  batches: readonly KeyToImport[][],
  writer: ImportWriter,
  concurrency: number,
  onWritten: (result: ImportWriteResult) => void,
): Promise<void> {
  const pending = [...batches];
  const busyOwners = new Set<string>();
  const ownersOf = (batch: readonly KeyToImport[]) => [...new Set(batch.map((entry) => entry.key.ownerId))];
  const failed: { error?: unknown; any: boolean } = { any: false };
  const running = new Set<Promise<void>>();
  const startNext = (): boolean => {
    const index = pending.findIndex((batch) => ownersOf(batch).every((owner) => !busyOwners.has(owner)));
    if (index < 0) return false;
    const [batch] = pending.splice(index, 1) as [KeyToImport[]];
    const owners = ownersOf(batch);
    for (const owner of owners) busyOwners.add(owner);
    const task: Promise<void> = writer
      .write(batch)
      .then(onWritten, (error: unknown) => {
        if (!failed.any) Object.assign(failed, { error, any: true });
      })
      .finally(() => {
        for (const owner of owners) busyOwners.delete(owner);
        running.delete(task);
      });
    running.add(task);
    return true;
  };
  const stopped = (): boolean => failed.any;
  while ((pending.length > 0 || running.size > 0) && !stopped()) {
    while (running.size < concurrency && !stopped() && startNext());
    if (running.size > 0) await Promise.race(running);
  }
  await Promise.all(running);
  if (failed.any) throw failed.error instanceof Error ? failed.error : new Error(String(failed.error));
}

/**
 * Writes the plan's keys (only hashes: the plan holds no secret), each with
 * its `import` event. Owners are prepared first, then keys go in batches of
 * one transaction each (lambdas/store/key-import.ts). A dry run writes
 * nothing and reports what a run would do, counting every key as new.
 */
export async function runImport(options: ImportOptions): Promise<ImportReport> {
  const { plan } = options;
  let entries = plan.keys.map((planned) => toImport(planned, options));
  const skipped: SkippedEntry[] = [...plan.skipped];
  let imported = 0;
  let alreadyImported = 0;
  if (options.writer !== undefined) {
    const writer = options.writer;
    const concurrency = Math.max(1, options.concurrency ?? 8);
    const owners = [...new Set(plan.keys.map((key) => key.ownerId))];
    const statuses = new Map<string, OwnerStatusView>();
    for (let i = 0; i < owners.length; i += concurrency) {
      const batch = owners.slice(i, i + concurrency);
      const read = await Promise.all(batch.map((owner) => writer.prepareOwner(owner)));
      batch.forEach((owner, j) => statuses.set(owner, read[j] ?? {}));
    }
    // A key never outlives its owner: none for a user Auth0 reported deleted (their keys would be the old user's),
    // and a blocked user's come in paused, as the block would have paused them.
    entries = plan.keys.flatMap((planned) => {
      const status = statuses.get(planned.ownerId) ?? {};
      if (status.deletedAtMs !== undefined) {
        skipped.push({ keyId: planned.keyId, accountId: planned.accountId, reason: 'Auth0 reports the owner deleted' });
        return [];
      }
      return [toImport(planned, options, status.blocked === true)];
    });
    await writeAll(batchesOf(entries), writer, concurrency, (result) => {
      imported += result.imported.length;
      alreadyImported += result.alreadyImported.length;
      options.onProgress?.(imported + alreadyImported, entries.length);
    });
  } else {
    imported = entries.length;
  }
  return {
    tenantId: plan.tenantId,
    dryRun: options.writer === undefined,
    accounts: plan.accounts,
    keys: entries.length,
    imported,
    alreadyImported,
    skipped,
    owners: plan.owners,
    disabled: entries.filter((entry) => entry.key.disabledAt !== undefined).length,
    scopes: options.scopes,
    expiresAt: new Date(options.expiresAt * 1000).toISOString(),
  };
}
