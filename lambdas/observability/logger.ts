import { Logger } from '@aws-lambda-powertools/logger';

/**
 * Structured JSON logs (Powertools). Callers pass key ids and outcome codes,
 * never a key, a secret or a token: nothing here can redact what it is given.
 * POWERTOOLS_LOG_LEVEL sets the level (SILENT in tests).
 */
export type AppLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export function createLogger(serviceName: string): AppLogger {
  return new Logger({ serviceName });
}

/** Whether the logger writes DEBUG lines (POWERTOOLS_LOG_LEVEL, or Lambda's AWS_LAMBDA_LOG_LEVEL), read once at start-up. */
export function logsAtDebug(logger: AppLogger): boolean {
  return logger instanceof Logger && ['TRACE', 'DEBUG'].includes(logger.getLevelName());
}

/** Just enough of an error to diagnose a fault: its name, message and cause chain, no payloads. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) {
    return { errorType: typeof error };
  }
  return {
    errorName: error.name,
    errorMessage: error.message,
    ...(error.cause !== undefined ? { cause: describeError(error.cause) } : {}),
  };
}
