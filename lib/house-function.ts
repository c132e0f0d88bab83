import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { entrypointFile, houseBundling, houseRuntimeEnvironment, PROJECT_ROOT } from './bundling';

export { PROJECT_ROOT } from './bundling';

/** CloudWatch Logs' retention for a number of days (the settings schema admits only those it offers). */
export function logRetention(days: number): RetentionDays {
  const retention = Object.values(RetentionDays).find(
    (value): value is RetentionDays => typeof value === 'number' && value.valueOf() === days,
  );
  if (retention === undefined) throw new Error(`CloudWatch Logs has no retention of ${days} days`);
  return retention;
}

export interface HouseFunctionProps {
  /** File under lambdas/entrypoints/, without extension. */
  readonly entrypoint: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize?: number | undefined;
  readonly environment?: Record<string, string>;
  readonly logRetentionDays: number;
  readonly serviceName: string;
  /** Where Lambda puts an asynchronous invocation's event once its retries are spent (the role may send there, nothing more). */
  readonly deadLetterQueue?: IQueue | undefined;
  /** Shell commands run in the project folder once the bundle is in `outputDir` (files to ship beside it). */
  readonly afterBundling?: ((outputDir: string) => string[]) | undefined;
  /** Ship the bundle's source map and read it at start-up (lib/bundling.ts); default off. */
  readonly sourceMaps?: boolean | undefined;
}

/**
 * Every function of this project, with the house defaults: Node.js 24 on
 * ARM64, a minified ESM bundle built by the local esbuild (no Docker) as
 * lib/bundling.ts says, with a source map only when asked, its own log group
 * with a set retention, and a role of its own that may write to that log
 * group and nothing else until granted more.
 */
export class HouseFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: HouseFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: logRetention(props.logRetentionDays),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description}: logs, plus the table actions granted to it`,
    });
    logGroup.grantWrite(role);
    const bundle = { sourceMaps: props.sourceMaps ?? false };
    super(scope, id, {
      role,
      entry: entrypointFile(props.entrypoint),
      handler: 'handler',
      description: props.description,
      // Node.js 24: aws-cdk-lib's NODEJS_LATEST ("the latest available in ALL regions") resolves to it
      // since v2.259.0; Lambda supports it until 2028-04-30 (docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html).
      // It drops callback handlers; every handler here is async.
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout,
      logGroup,
      ...(props.deadLetterQueue !== undefined ? { deadLetterQueue: props.deadLetterQueue } : {}),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      environment: {
        ...houseRuntimeEnvironment(bundle),
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      },
      bundling: {
        ...houseBundling(bundle),
        ...(props.afterBundling !== undefined
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (_in, out) => props.afterBundling?.(out) ?? [],
              },
            }
          : {}),
      },
    });
  }
}
