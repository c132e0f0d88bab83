import { createLogger } from '../lambdas/observability/logger';
import { ConfigError } from '../lambdas/runtime/config';
import { banner } from './banner';
import { startLocalSystem } from './local-system';
import { localSettingsFromEnv } from './settings';

/** `npm start`: the whole system on 127.0.0.1, stopped cleanly by Ctrl-C. */
async function main(): Promise<void> {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  // The SDK warns that releases after January 2027 need Node 22; this repo pins its SDK version.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const settings = localSettingsFromEnv(process.env, process.cwd());
  const system = await startLocalSystem({
    ...settings,
    logger: createLogger('user-api-keys-local'),
    onRequest: ({ method, path, status }) => console.log(`${new Date().toISOString()} ${method} ${path} -> ${status}`),
  });
  const dataDir = 'dataDir' in settings.dynamodb ? settings.dynamodb.dataDir : undefined;
  console.log(banner(system, { authorizerCacheTtlSeconds: settings.authorizerCacheTtlSeconds, ...(dataDir ? { dataDir } : {}) }));

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping...`);
    system.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  console.error(`Could not start: ${message}`);
  process.exit(1);
});
