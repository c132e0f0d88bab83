import { Command, CommanderError } from 'commander';
import { printable } from '../cli/terminal-text';
import { createDocumentClient } from '../lambdas/runtime/clients';
import { KeyImportWriter } from '../lambdas/store/key-import';
import { readStormpathExportOrArchive } from './archive';
import { planImport } from './import-plan';
import { runImport, type ImportReport } from './importer';
import { importTargetFromEnv, ImportUsageError, parseExpiry, parseScopes } from './import-settings';
import { DEFAULT_OWNER_TEMPLATE, ownerResolver, parseOwnerTemplate, readAuth0Users } from './owner-mapping';

interface Streams {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean };
}

const USAGE_EXIT = 2;
const FAILED_EXIT = 1;

/** For a terminal: what the export says (ids, file names, reasons) may hold control characters; they become `?`. */
function summary(report: ImportReport): string {
  const lines = [
    `${report.dryRun ? 'Dry run (nothing written)' : 'Imported'}: tenant ${printable(report.tenantId)}`,
    `  accounts        ${report.accounts}`,
    `  keys            ${report.keys} (${report.disabled} disabled), for ${report.owners} owners`,
    `  ${report.dryRun ? 'to import      ' : 'imported       '} ${report.imported}`,
    ...(report.dryRun ? [] : [`  already there   ${report.alreadyImported} (left unchanged)`]),
    `  skipped         ${report.skipped.length}`,
    `  expire          ${report.expiresAt}`,
    `  scopes          ${report.scopes.length === 0 ? '(none)' : report.scopes.join(' ')}`,
  ];
  for (const skip of report.skipped.slice(0, 20)) {
    const what = [skip.keyId && `key ${skip.keyId}`, skip.accountId && `account ${skip.accountId}`, skip.file].filter(Boolean).join(', ');
    lines.push(`  skipped: ${printable(what)}: ${printable(skip.reason)}`);
  }
  if (report.skipped.length > 20) lines.push(`  ... and ${report.skipped.length - 20} more (--json lists them all)`);
  if (report.scopes.length === 0) {
    lines.push('  note: the keys carry no scopes, so routes that require one (ROUTE_SCOPES) refuse them; pass --scopes');
  }
  return `${lines.join('\n')}\n`;
}

/** `npm run -s import:stormpath -- <path> [options]`; answers the exit code. Secrets never reach either stream. */
export async function runImportCli(argv: readonly string[], streams: Streams, env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  const program = new Command('import:stormpath')
    .description('Import the API keys of a Stormpath export, unpacked or its archive: only their SHA-256 is stored; re-running is safe.')
    .argument(
      '<path>',
      'the export: a tenant folder holding accounts/ (and apiKeys/), the folder above one, or its .zip (no password) or .tar.gz',
    )
    .option('--owner <template>', 'how an account becomes an owner sub: {accountId}, {email}, {username}', DEFAULT_OWNER_TEMPLATE)
    .option('--users <file>', 'an Auth0 user export (NDJSON or a JSON array with user_id and email): owners matched by email')
    .option(
      '--trust-stormpath-emails',
      'match emails (--users, {email}, {username}) the export does not say were verified (no emailVerificationStatus); never UNVERIFIED ones',
    )
    .option('--expires <when>', 'when the imported keys expire: 30d, or a date such as 2027-06-30 (default 365 days)')
    .option('--scopes <list>', 'scopes for the imported keys, comma-separated (each must be allowed)')
    .option('--dry-run', 'read, validate and report; write nothing')
    .option('--json', 'print one JSON object (the report) on stdout')
    .exitOverride()
    .configureOutput({ writeOut: (text) => streams.stdout.write(text), writeErr: (text) => streams.stderr.write(text) })
    .addHelpText(
      'after',
      `
Examples:
  npm run -s import:stormpath -- ./stormpath-export --dry-run
  npm run -s import:stormpath -- ./stormpath-export --scopes read --expires 2027-06-30
  npm run -s import:stormpath -- ./stormpath-export --users auth0-users.ndjson --json

The table: TABLE_NAME, at DYNAMODB_ENDPOINT when set (npm start's DynamoDB Local), else in AWS
with the default credential chain and region (README "Migrating from Stormpath").`,
    );
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : USAGE_EXIT;
    throw error;
  }
  const [path = ''] = program.args;
  const options = program.opts<{
    owner: string;
    users?: string;
    expires?: string;
    scopes?: string;
    dryRun?: boolean;
    json?: boolean;
    trustStormpathEmails?: boolean;
  }>();
  const progress = (text: string) => {
    if (options.json !== true || streams.stderr.isTTY === true) streams.stderr.write(text);
  };
  try {
    const now = new Date();
    const target = importTargetFromEnv(env, cwd);
    const scopes = parseScopes(options.scopes, target.allowedScopes);
    const expiresAt = parseExpiry(options.expires, now, target.maxKeyLifetimeDays);
    const template = options.users === undefined ? parseOwnerTemplate(options.owner) : undefined;
    const users = options.users === undefined ? undefined : await readAuth0Users(options.users);
    // Everything is read and checked before the first write.
    const exported = await readStormpathExportOrArchive(path, {
      onProgress: (files) => {
        if (files % 500 === 0) progress(`read ${files} files\n`);
      },
    });
    const plan = planImport(exported, ownerResolver({ template, users, trustUnknownEmails: options.trustStormpathEmails === true }));
    progress(`${plan.keys.length} keys to import for ${plan.owners} owners, ${plan.skipped.length} skipped\n`);
    const client = options.dryRun === true ? undefined : createDocumentClient(target.dynamodb ?? {});
    try {
      const report = await runImport({
        plan,
        writer: client === undefined ? undefined : new KeyImportWriter({ client, tableName: target.tableName }),
        scopes,
        expiresAt,
        now,
        auditRetentionDays: target.auditRetentionDays,
        onProgress: (done, total) => {
          if (done === total || done % 500 < 50) progress(`written ${done}/${total}\n`);
        },
      });
      streams.stdout.write(options.json === true ? `${JSON.stringify(report)}\n` : summary(report));
      return 0;
    } finally {
      client?.destroy();
    }
  } catch (error) {
    if (error instanceof ImportUsageError) {
      streams.stderr.write(`import:stormpath: ${error.message}\n`);
      return USAGE_EXIT;
    }
    // An ExportError names the file (never its contents); any other message (a setting, DynamoDB) is one line too.
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    streams.stderr.write(`import:stormpath: ${message}\n`);
    return FAILED_EXIT;
  }
}

if (require.main === module) {
  // The SDK warns that releases after January 2027 need Node 22; this repo pins its SDK version.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  runImportCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }, process.env, process.cwd()).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`import:stormpath: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = FAILED_EXIT;
    },
  );
}
