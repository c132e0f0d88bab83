// An ES module (.mts) so the warm-up can be awaited at the top level: Lambda runs a handler module's
// top-level await during INIT, before the first invoke
// (https://aws.amazon.com/blogs/compute/using-node-js-es-modules-and-top-level-await-in-aws-lambda/),
// so the first request finds the DynamoDB connection open and the signing key loaded.
import { createAuthorizerHandler } from '../handlers/authorizer.js';
import { flushOnShutdown } from '../observability/verdict-metrics.js';
import { lambdaAuthorizer } from '../runtime/authorizer-wiring.js';

const { dependencies, warmUp } = lambdaAuthorizer();
if (dependencies.metrics !== undefined) flushOnShutdown(dependencies.metrics);

// Bounded (WARM_UP_BUDGET_MS) and never rejects: a fault is logged and met again, closed, by the first request.
await warmUp();

export const handler = createAuthorizerHandler(dependencies);
