import { createLogger } from '../observability/logger';
import type { SettingsFor } from '../settings/schema';
import { indexPlan } from '../store/table-upgrade';
import { createDocumentClient, MANAGEMENT_DYNAMODB_TIMEOUTS } from './clients';
import { keyConfigFrom } from './config';

/**
 * What a deployed function that works on the key table builds once per cold
 * start from the management functions' settings (each entry point's wiring
 * loads them itself): the key config, the indexes its upgrade step reads, one
 * DynamoDB client and a logger.
 */
export function deployedTableWiring(settings: SettingsFor<'management'>, serviceName: string) {
  return {
    keys: keyConfigFrom(settings),
    indexes: indexPlan(settings.tableUpgradeStep).reads,
    client: createDocumentClient({ timeouts: MANAGEMENT_DYNAMODB_TIMEOUTS }),
    logger: createLogger(serviceName),
  };
}
