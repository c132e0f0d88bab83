import { readFile } from 'node:fs/promises';
import { printable } from '../cli/terminal-text';
import { EventFileError, parseEventFile } from '../lambdas/domain/auth0-event-file';
import { applyAuth0Event, describeOwnerEvent } from '../lambdas/domain/owner-events';
import { createDocumentClient } from '../lambdas/runtime/clients';
import { keyConfigFrom } from '../lambdas/runtime/config';
import { ownerEventDependencies } from '../lambdas/runtime/owner-events-wiring';
import { environmentReader, loadSettings } from '../lambdas/settings/load';
import { createLogger } from '../lambdas/observability/logger';
import { toolTableFromEnv } from '../local/settings';

interface Streams {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

const USAGE_EXIT = 2;
const FAILED_EXIT = 1;

class UsageError extends Error {}

const USAGE = `Usage: npm run -s auth0-events -- <file>

Feeds Auth0's events to the handler the stack runs for them: deleted users' keys are revoked, blocked
users' keys disabled, unblocked users' keys re-enabled. <file> holds Log Streams logs or Auth0 Events
(CloudEvents), as EventBridge delivers them or bare: one JSON object, a JSON array, or NDJSON (one per line).
The whole file is read and checked before anything is written; applying an event again changes nothing.

The table: TABLE_NAME, at DYNAMODB_ENDPOINT when set (npm start's DynamoDB Local), else in AWS
with the default credential chain and region (README "Keys follow their owner in Auth0").
`;

/** `npm run -s auth0-events -- <file>`: one line per event on stdout; answers the exit code. */
export async function runAuth0EventsCli(argv: readonly string[], streams: Streams, env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
    streams.stdout.write(USAGE);
    return 0;
  }
  const [file] = argv;
  if (argv.length !== 1 || file === undefined || file.startsWith('-')) {
    streams.stderr.write(`auth0-events: give exactly one file\n\n${USAGE}`);
    return USAGE_EXIT;
  }
  try {
    const settings = loadSettings('local', environmentReader(env));
    const table = toolTableFromEnv(settings, env, cwd, (message) => new UsageError(message));
    // Everything is read and parsed before the first write.
    const events = parseEventFile(await readFile(file, 'utf8'));
    const client = createDocumentClient(table.dynamodb ?? {});
    try {
      // The lifecycle itself logs nothing (the functions' handlers do): the lines below are the record.
      const keys = { ...keyConfigFrom(settings), tableName: table.tableName };
      const deps = ownerEventDependencies({ client, keys, logger: createLogger('auth0-events') });
      for (const event of events) {
        streams.stdout.write(`${printable(describeOwnerEvent(await applyAuth0Event(deps.lifecycle, event)))}\n`);
      }
    } finally {
      client.destroy();
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      streams.stderr.write(`auth0-events: ${error.message}\n`);
      return USAGE_EXIT;
    }
    const where = error instanceof EventFileError ? `${file}: ` : '';
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    streams.stderr.write(`auth0-events: ${where}${printable(message ?? '')}\n`);
    return FAILED_EXIT;
  }
}

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  runAuth0EventsCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }, process.env, process.cwd()).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`auth0-events: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = FAILED_EXIT;
    },
  );
}
