import { rmSync } from 'node:fs';
import { hashSecret } from '../../../lambdas/domain/secret-hash';
import { readStormpathExport } from '../../../stormpath/export-reader';
import { planImport } from '../../../stormpath/import-plan';
import { ownerResolver, parseOwnerTemplate } from '../../../stormpath/owner-mapping';
import {
  stormpathKeyId,
  stormpathSecret,
  stormpathTempDir,
  writeStormpathExport,
  type WrittenExport,
} from '../../support/stormpath-export';

/** Everything a caller can see, as one string: Maps, Sets and errors included. */
function everything(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner instanceof Map) return [...(inner as Map<unknown, unknown>).entries()];
    if (inner instanceof Set) return [...(inner as Set<unknown>)];
    if (inner instanceof Error) {
      const own = Object.getOwnPropertyNames(inner).map((name) => [name, (inner as unknown as Record<string, unknown>)[name]]);
      return { name: inner.name, ...Object.fromEntries(own) };
    }
    return inner;
  });
}

let dir: string;
beforeEach(() => {
  dir = stormpathTempDir();
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function secretsOf(written: WrittenExport): string[] {
  return written.keys.map((key) => key.secret);
}

describe('no secret leaves the reader', () => {
  it('holds no secret in the export, the plan, or any skip reason, for every kind of key', async () => {
    const conflicting = stormpathKeyId();
    const shared = stormpathKeyId();
    const sharedSecret = stormpathSecret();
    const written = writeStormpathExport(dir, {
      accounts: [
        { keys: [{}, { status: 'DISABLED' }, { layout: 'both' }, { id: conflicting }, { id: shared, secret: sharedSecret }] },
        { keyLayout: 'apiKeys', keys: [{}, { accountRef: 'href' }, { accountRef: 'none' }, { id: conflicting }] },
        { email: null, keys: 3 },
        { status: 'DISABLED', keys: [{ id: 'lowercase-id-is-not-valid' }, { id: shared, secret: sharedSecret, layout: 'apiKeys' }] },
      ],
      orphanKeys: [{ accountId: 'NotInTheExport00000000' }],
    });
    const secrets = secretsOf(written);
    expect(secrets.some((secret) => secret.includes('+') && secret.includes('/'))).toBe(true);

    const exported = await readStormpathExport(written.path);
    const plan = planImport(exported, ownerResolver({ template: parseOwnerTemplate('email|{email}'), trustUnknownEmails: true }));

    expect(exported.skipped.length).toBeGreaterThan(0);
    expect(plan.keys.length).toBeGreaterThan(0);
    const seen = everything({ exported, plan });
    for (const secret of secrets) {
      expect(seen).not.toContain(secret);
      // Nor any long run of it (a secret cut down, or quoted in part).
      expect(seen).not.toContain(secret.slice(0, 20));
      expect(seen).not.toContain(secret.slice(-20));
    }
    // What is kept instead: the hash of each secret imported.
    expect(exported.keys.every((key) => /^[0-9a-f]{64}$/.test(key.secretHash))).toBe(true);
    expect(exported.keys.map((key) => key.secretHash)).toContain(hashSecret(written.keys[0]!.secret));
    // The key listed under two accounts is skipped, by id, without its secret.
    expect(exported.skipped.filter((entry) => entry.keyId === shared)).toHaveLength(2);
  });

  it.each([
    ['an account file that is not JSON', (secret: string) => `{"id":"A","apiKeys":[{"id":"${stormpathKeyId()}","secret":"${secret}"}`],
    ['a key file that is not JSON', (secret: string) => `{"id":"${stormpathKeyId()}","secret":"${secret}",`],
    ['a key file that is a JSON string', (secret: string) => JSON.stringify(secret)],
    ['an account file without id', (secret: string) => JSON.stringify({ apiKeys: [{ id: stormpathKeyId(), secret }] })],
  ])('holds no secret in the error for %s', async (_name, contents) => {
    const secret = stormpathSecret({ withPlusAndSlash: true });
    const folder = _name.includes('key file') ? 'apiKeys' : 'accounts';
    const written = writeStormpathExport(dir, { accounts: [{ keys: 2 }], files: { [`${folder}/bad.json`]: contents(secret) } });

    const error: unknown = await readStormpathExport(written.path).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(Error);
    const seen = everything(error);
    for (const each of [secret, ...secretsOf(written)]) {
      expect(seen).not.toContain(each);
      expect(seen).not.toContain(each.slice(0, 20));
    }
  });
});
