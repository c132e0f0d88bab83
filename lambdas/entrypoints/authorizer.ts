import { createAuthorizerHandler } from '../handlers/authorizer';
import { flushOnShutdown } from '../observability/verdict-metrics';
import { lambdaAuthorizer } from '../runtime/authorizer-wiring';

const { dependencies, warmUp } = lambdaAuthorizer();
if (dependencies.metrics !== undefined) flushOnShutdown(dependencies.metrics);

// Started in the init phase; the first request waits for what is left of it, so it finds the DynamoDB
// connection open and the signing key loaded (a top-level await would need this file to be an ES module
// to TypeScript too; this gives the same order).
export const handler = createAuthorizerHandler({ ...dependencies, warmUp: warmUp() });
