// Figure 5's comparison, never deployed: lambdas/entrypoints/authorizer.mts without its warm-up in INIT,
// so the first request opens the DynamoDB connection and loads the signing key itself.
import { createAuthorizerHandler } from '../../lambdas/handlers/authorizer';
import { flushOnShutdown } from '../../lambdas/observability/verdict-metrics';
import { lambdaAuthorizer } from '../../lambdas/runtime/authorizer-wiring';

const { dependencies } = lambdaAuthorizer();
if (dependencies.metrics !== undefined) flushOnShutdown(dependencies.metrics);

export const handler = createAuthorizerHandler(dependencies);
