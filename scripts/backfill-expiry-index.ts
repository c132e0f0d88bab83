import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { printable } from '../cli/terminal-text';
import { sdkClientConfig, type CallTimeouts } from '../lambdas/runtime/call-timeouts';
import { LOCAL_DYNAMODB_TIMEOUTS } from '../lambdas/runtime/clients';
import { backfillExpiryIndex, type ExpiryBackfillCounts } from '../lambdas/store/expiry-backfill';
import { LOCAL_REGION, SHARED_DB_CREDENTIALS } from '../local/dynamodb-credentials';
import { dynamodbEndpointSetting } from '../local/settings';

interface Streams {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

const USAGE_EXIT = 2;
const FAILED_EXIT = 1;

/** A one-off bulk job: patient with throttling (the SDK's standard retries), unlike a request's calls. */
const BACKFILL_TIMEOUTS: CallTimeouts = { connectionTimeoutMs: 2000, requestTimeoutMs: 10_000, maxAttempts: 8 };

const positive = (value: string): number => {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1) throw new InvalidArgumentError('a whole number above 0');
  return number;
};

function summary(counts: ExpiryBackfillCounts, dryRun: boolean): string {
  return `${[
    dryRun ? 'Dry run (nothing written)' : 'Backfilled the expiry index',
    `  items scanned        ${counts.scanned}`,
    `  keys without a day   ${counts.found}`,
    `  ${dryRun ? 'to update          ' : 'updated            '}  ${counts.updated}`,
    `  changed meanwhile    ${counts.changed} (left to the change)`,
    `  already expired      ${counts.expired} (left alone)`,
    `  unreadable expiry    ${counts.unreadable} (left alone)`,
  ].join('\n')}\n`;
}

/** `npm run -s backfill-expiry-index -- --table <name> --region <region> [options]`; answers the exit code. */
export async function runBackfillCli(argv: readonly string[], streams: Streams, env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  const program = new Command('backfill-expiry-index')
    .description(
      'Once, after upgrading to the release with the expiry index: gives keys made before it their expiryDay, so the daily expiry notice sees them. Safe to run again; an interrupted run is resumed by running it again.',
    )
    .requiredOption('--table <name>', 'the key table (the stack output TableName)')
    .option('--region <region>', `the table's AWS region (required unless --endpoint; with it, default "${LOCAL_REGION}")`)
    .option('--endpoint <url>', "DynamoDB Local's URL (npm start's: http://127.0.0.1:8000, with DATA_DIR's key)")
    .option('--segments <n>', 'parallel Scan segments', positive, 4)
    .option('--rate <n>', 'at most this many items read per second, and this many written', positive, 200)
    .option('--dry-run', 'count what would change; write nothing')
    .exitOverride()
    .configureOutput({ writeOut: (text) => streams.stdout.write(text), writeErr: (text) => streams.stderr.write(text) })
    .addHelpText(
      'after',
      `
Examples:
  npm run -s backfill-expiry-index -- --table ApiKeysTable --region eu-west-1 --dry-run
  npm run -s backfill-expiry-index -- --table ApiKeysTable --region eu-west-1
  npm run -s backfill-expiry-index -- --table ApiKeys --endpoint http://127.0.0.1:8000

Against AWS: the default credential chain; it needs dynamodb:Scan and dynamodb:UpdateItem on the table.`,
    );
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : USAGE_EXIT;
    throw error;
  }
  const options = program.opts<{ table: string; region?: string; endpoint?: string; segments: number; rate: number; dryRun?: boolean }>();
  const region = options.region ?? (options.endpoint !== undefined ? LOCAL_REGION : undefined);
  if (region === undefined) {
    streams.stderr.write('backfill-expiry-index: give --region (or --endpoint for DynamoDB Local)\n');
    return USAGE_EXIT;
  }
  const dryRun = options.dryRun === true;
  try {
    const client = documentClient(options.endpoint, region, resolve(cwd, env.DATA_DIR ?? '.data'));
    try {
      let pages = 0;
      const counts = await backfillExpiryIndex({
        client,
        tableName: options.table,
        dryRun,
        segments: options.segments,
        itemsPerSecond: options.rate,
        onProgress: (progress) => {
          if ((pages += 1) % 50 === 0) streams.stderr.write(`scanned ${progress.scanned} items, ${progress.updated} keys updated\n`);
        },
      });
      streams.stdout.write(summary(counts, dryRun));
      return 0;
    } finally {
      client.destroy();
    }
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    streams.stderr.write(`backfill-expiry-index: ${printable(message ?? '')}\n`);
    return FAILED_EXIT;
  }
}

/** AWS in `region`, or DynamoDB Local at `endpoint` (with DATA_DIR's key when it is npm start's, on this machine). */
function documentClient(endpoint: string | undefined, region: string, dataDir: string): DynamoDBDocumentClient {
  const local = endpoint === undefined ? undefined : dynamodbEndpointSetting(endpoint, dataDir);
  const config =
    local !== undefined && 'endpoint' in local
      ? {
          ...sdkClientConfig(LOCAL_DYNAMODB_TIMEOUTS),
          endpoint: local.endpoint,
          region,
          credentials: { ...(local.credentials ?? SHARED_DB_CREDENTIALS) },
        }
      : { ...sdkClientConfig(BACKFILL_TIMEOUTS), region };
  return DynamoDBDocumentClient.from(new DynamoDBClient(config));
}

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  runBackfillCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }, process.env, process.cwd()).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`backfill-expiry-index: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = FAILED_EXIT;
    },
  );
}
