import { appendFileSync } from 'node:fs';
import { createLogger } from '../lambdas/observability/logger';
import { openApiDocument } from '../lambdas/openapi/document';
import type { GatewayExchange } from './gateway';
import { createResponseChecker } from './openapi-response-check';
import { redactRequestTarget } from './access-log-redaction';
import { LogLinePublisher } from '../lambdas/events/local-publishers';
import { banner } from './banner';
import { startLocalSystem, type LocalSystem } from './local-system';
import { localSettingsFromEnv } from './settings';

/** `npm start`: the whole system on 127.0.0.1, stopped cleanly by Ctrl-C (also while starting). */
async function main(): Promise<void> {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  // The SDK warns that releases after January 2027 need Node 22; this repo pins its SDK version.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const settings = localSettingsFromEnv(process.env, process.cwd());

  // Signals may come while the system starts: then the stop happens once start-up returns.
  const state: { system?: LocalSystem; stopRequested: boolean } = { stopRequested: false };
  const shutdown = (signal: string) => {
    if (state.stopRequested) return;
    state.stopRequested = true;
    console.log(`\n${signal}: stopping...`);
    state.system?.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => {
    shutdown('SIGINT');
  });
  process.on('SIGTERM', () => {
    shutdown('SIGTERM');
  });

  const onResponse = responseCheck(process.env.OPENAPI_VIOLATIONS_FILE, settings.keyHeader);
  const system = await startLocalSystem({
    ...settings,
    onResponse,
    logger: createLogger('user-api-keys-local'),
    // Each key change as one line, as its EventBridge event would read (EVENTS_FILE: NDJSON there instead).
    ...(settings.eventsFile === undefined
      ? {
          lifecyclePublisher: new LogLinePublisher({
            write: (line) => {
              console.log(line);
            },
          }),
        }
      : {}),
    // A key or token pasted into a URL by mistake, in any encoding, must not reach the terminal.
    onRequest: ({ method, path, status }) => {
      console.log(`${new Date().toISOString()} ${method.replace(/[^A-Z-]/g, '?')} ${redactRequestTarget(path)} -> ${status}`);
    },
  });
  state.system = system;
  if (state.stopRequested) {
    await system.stop();
    process.exit(0);
  }
  const dataDir = 'dataDir' in settings.dynamodb ? settings.dynamodb.dataDir : undefined;
  console.log(
    banner(system, {
      authorizerCacheTtlSeconds: settings.authorizerCacheTtlSeconds,
      dataDir,
      keys: settings.keys,
      eventsFile: settings.eventsFile,
    }),
  );
}

/**
 * A test hook, not a setting: with OPENAPI_VIOLATIONS_FILE set (test/support/local-system.ts), every answer that
 * the OpenAPI document does not describe is appended there, one line each, for the suite to fail on.
 */
function responseCheck(file: string | undefined, keyHeader: string | undefined): ((exchange: GatewayExchange) => void) | undefined {
  if (file === undefined || file === '') return undefined;
  const checker = createResponseChecker(openApiDocument({ keyHeader }));
  return (exchange) => {
    const problem = checker.check(exchange);
    if (problem !== undefined) appendFileSync(file, `${problem.replace(/\n/g, ' ')}\n`);
  };
}

main().catch((error: unknown) => {
  console.error(`Could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
