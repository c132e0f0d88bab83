import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AppLogger } from '../../lambdas/observability/logger';
import { measureGateway } from '../gateway-load';
import type { Progress } from '../output';
import { GATEWAY_REVOCATION_DELAY_SECONDS, type Plan } from '../plan';
import type { Figure6 } from '../results';
import type { StopRegistry } from '../stop-registry';

export interface GatewayInput {
  readonly dynamodbEndpoint: string;
  /** A client on the same DynamoDB Local, to put the key in. */
  readonly admin: DynamoDBDocumentClient;
  readonly logger: AppLogger;
  readonly plan: Plan['gateway'];
  readonly stops: StopRegistry;
  readonly progress: Progress;
}

/** Figure 6: GET /whoami with a valid key against GET /health through the local gateway, with the revocation delay as deployed. */
export async function measureGatewayThroughput(input: GatewayInput): Promise<Figure6> {
  input.progress('figure 6: load through the local gateway (autocannon in a child process)');
  const gateway = await measureGateway({
    dynamodbEndpoint: input.dynamodbEndpoint,
    client: input.admin,
    logger: input.logger,
    authorizerCacheTtlSeconds: GATEWAY_REVOCATION_DELAY_SECONDS,
    ...input.plan,
    onStart: (stop) => {
      input.stops.add('gateway', stop);
    },
    progress: input.progress,
  });
  return { ...gateway, whoamiToHealthThroughput: gateway.whoami.requestsPerSecond / gateway.health.requestsPerSecond };
}
