import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../domain/key-store';
import type { AppLogger } from '../observability/logger';
import type { KeyConfig } from './config';

/** What both the Lambda entry points and the local gateway hand to the wiring functions. */
export interface Wiring {
  readonly keys: KeyConfig;
  readonly client: DynamoDBDocumentClient;
  readonly logger: AppLogger;
  readonly clock?: Clock | undefined;
}
