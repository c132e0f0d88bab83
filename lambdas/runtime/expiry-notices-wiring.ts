import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../domain/key-store';
import { createEventBridgeClient, EventBridgePublisher } from '../events/eventbridge-publisher';
import { ExpiryNotices } from '../events/expiry-notices';
import type { LifecyclePublisher } from '../events/lifecycle-event';
import type { ExpiryNoticesDependencies } from '../handlers/expiry-notices';
import { createLogger, type AppLogger } from '../observability/logger';
import { environmentReader, loadSettings } from '../settings/load';
import { ExpiryIndexReader } from '../store/expiring-keys';
import { indexPlan, type IndexReads } from '../store/table-upgrade';
import { createDocumentClient, MANAGEMENT_DYNAMODB_TIMEOUTS } from './clients';

/** The daily notice over the expiry index its upgrade step reads (none yet: every run is skipped). Shared by Lambda and `npm start`. */
export function expiryNoticesDependencies(wiring: {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly indexes: IndexReads;
  readonly publisher: LifecyclePublisher;
  /** EXPIRY_NOTICE_DAYS. */
  readonly noticeDays: number;
  readonly logger: AppLogger;
  readonly clock?: Clock | undefined;
}): ExpiryNoticesDependencies {
  const index = wiring.indexes.expiry;
  if (index === undefined) return { logger: wiring.logger };
  const reader = new ExpiryIndexReader({ client: wiring.client, tableName: wiring.tableName, index });
  const notices = new ExpiryNotices({ source: reader, publisher: wiring.publisher, noticeDays: wiring.noticeDays, clock: wiring.clock });
  return { logger: wiring.logger, expiry: { indexName: reader.indexName, indexStatus: () => reader.indexStatus(), notices } };
}

/**
 * The daily function (lib/lifecycle-events.ts), built once per cold start: the `events` settings, the indexes its
 * upgrade step reads, one DynamoDB client with the management functions' timeouts, one EventBridge client.
 */
export function lambdaExpiryNoticesDependencies(): ExpiryNoticesDependencies {
  const settings = loadSettings('events', environmentReader(process.env));
  const logger = createLogger('expiry-notices');
  return expiryNoticesDependencies({
    client: createDocumentClient({ timeouts: MANAGEMENT_DYNAMODB_TIMEOUTS }),
    tableName: settings.tableName,
    indexes: indexPlan(settings.tableUpgradeStep).reads,
    publisher: new EventBridgePublisher({ client: createEventBridgeClient(), eventBusName: settings.eventBusName, logger }),
    noticeDays: settings.expiryNoticeDays,
    logger,
  });
}
