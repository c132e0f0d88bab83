import { createAuthorizerHandler } from '../handlers/authorizer';
import { flushOnShutdown } from '../observability/verdict-metrics';
import { lambdaAuthorizerDependencies } from '../runtime/authorizer-wiring';

const dependencies = lambdaAuthorizerDependencies();
if (dependencies.metrics !== undefined) flushOnShutdown(dependencies.metrics);

export const handler = createAuthorizerHandler(dependencies);
