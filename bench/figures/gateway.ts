import { availableParallelism } from 'node:os';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AppLogger } from '../../lambdas/observability/logger';
import { measureGateway } from '../gateway-load';
import type { Progress } from '../output';
import { GATEWAY_REVOCATION_DELAY_SECONDS, type Plan } from '../plan';
import type { Figure6 } from '../results';
import { summarize } from '../stats';
import type { StopRegistry } from '../stop-registry';

/** Above this spread of the per-pair ratios (min to max, relative to their median) the report adds a note: read the figure with care. */
export const GATEWAY_SPREAD_NOTE = 0.1;

export interface GatewayInput {
  readonly dynamodbEndpoint: string;
  /** A client on the same DynamoDB Local, to put the key in. */
  readonly admin: DynamoDBDocumentClient;
  readonly logger: AppLogger;
  readonly plan: Plan['gateway'];
  readonly stops: StopRegistry;
  readonly progress: Progress;
}

/**
 * Figure 6: GET /whoami with a valid key against GET /health through the
 * local gateway, with the revocation delay as deployed: rounds in ABBA order,
 * one ratio per pair of adjacent rounds, their median and spread.
 */
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
  const ratios = summarize(gateway.pairRatios);
  const spread = (ratios.max - ratios.min) / ratios.median;
  return {
    ...gateway,
    whoamiToHealth: ratios,
    whoamiToHealthThroughput: ratios.median,
    spread,
    spreadExceedsNote: spread > GATEWAY_SPREAD_NOTE,
    cores: availableParallelism(),
  };
}
