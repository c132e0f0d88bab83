import { RemovalPolicy } from 'aws-cdk-lib';
import type { HttpApi, HttpMethod, HttpRoute, HttpRouteIntegration, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import type { HttpJwtAuthorizer, HttpLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import type { Alarm, Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Key, type IKey } from 'aws-cdk-lib/aws-kms';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { FunctionName } from '../lambdas/api-definition';
import type { HouseFunction } from './house-function';
import { KeyAlarms } from './key-alarms';
import { KeyDashboard } from './key-dashboard';
import type { AssertionSigning } from './assertion-signing';
import { KeyApi } from './key-api';
import { KeyTable } from './key-table';
import { LifecycleEvents } from './lifecycle-events';
import { functionEnvironment } from '../lambdas/settings/function-environment';
import { indexPlan } from '../lambdas/store/table-upgrade';
import { OwnerEvents, type Auth0Webhook } from './owner-events';
import { resolveUserApiKeysConfig, type UserApiKeysProps } from './user-api-keys-config';

export type { UserApiKeysProps } from './user-api-keys-config';
export { MANAGEMENT_FUNCTION_TIMEOUT } from './key-functions';

/**
 * User-scoped API keys in front of an HTTP API: the key table (KeyTable),
 * the API-key authorizer, the Auth0-protected key-management routes and the
 * stage (KeyApi), alarms (KeyAlarms) and a dashboard (KeyDashboard), every key change on EventBridge
 * (LifecycleEvents); with auth0EventSourceNames, Auth0's reports of deleted and blocked users through EventBridge (OwnerEvents). Props are checked against the
 * settings schema; only `auth0Domain` and `auth0Audience` are required:
 *
 *     new UserApiKeys(this, 'Keys', { auth0Domain: 'example.eu.auth0.com', auth0Audience: 'https://api.example.com' });
 *
 * Use `protect()` to put your own routes behind API keys.
 *
 * The parts are given the id `Default`, which CDK leaves out of logical IDs,
 * so every resource keeps the logical ID it had when this was one construct:
 * upgrading a deployed stack replaces nothing (test/infra pins the IDs).
 */
export class UserApiKeys extends Construct {
  readonly table: Table;
  readonly api: HttpApi;
  readonly stage: HttpStage;
  /** Put this on routes that API keys should protect. */
  readonly apiKeyAuthorizer: HttpLambdaAuthorizer;
  /** Auth0 access tokens, checked at the edge (the functions check again). */
  readonly accessTokenAuthorizer: HttpJwtAuthorizer;
  readonly authorizerFunction: HouseFunction;
  readonly functions: Partial<Record<FunctionName, HouseFunction>>;
  readonly alarms: Alarm[];
  /** The topic the alarms notify: created for `alarmEmail`, imported for `alarmTopicArn`, else none. */
  readonly alarmTopic?: ITopic | undefined;
  readonly dashboard: Dashboard;
  readonly tableKey?: IKey | undefined;
  /** The assertion signing keys: their secret, the access tokens' MAC keys' secret, the JWKS parameter, the rotation. */
  readonly signing: AssertionSigning;
  /** Auth0's reports through EventBridge (auth0EventSourceNames): the partner event buses, rules, function, dead-letter queue. */
  readonly ownerEvents?: OwnerEvents;
  /** POST /auth0/events and its token's secret (auth0EventsWebhook). */
  readonly auth0Webhook?: Auth0Webhook | undefined;
  /** Every key change and the daily expiry notice on EventBridge; absent only in upgrade steps before the table's stream. */
  readonly lifecycleEvents?: LifecycleEvents | undefined;
  private readonly keyApi: KeyApi;

  constructor(scope: Construct, id: string, props: UserApiKeysProps) {
    super(scope, id);
    const config = resolveUserApiKeysConfig(props);

    // Made here rather than in KeyTable, where it would get a new logical ID.
    const encryptionKey =
      config.tableEncryption !== 'customer-managed'
        ? undefined
        : config.tableKmsKeyArn !== undefined
          ? Key.fromKeyArn(this, 'TableKey', config.tableKmsKeyArn)
          : new Key(this, 'TableKey', { enableKeyRotation: true, description: 'User API keys table', removalPolicy: RemovalPolicy.RETAIN });
    const keyTable = new KeyTable(this, 'Table', {
      encryption: config.tableEncryption,
      encryptionKey,
      removal: config.tableRemoval,
      // KeyApi gets the step too: the functions read, and are granted Query on, that step's indexes.
      upgradeStep: config.tableUpgradeStep,
    });
    this.table = keyTable.table;
    this.tableKey = keyTable.encryptionKey;

    const { tableEncryption: _t, tableKmsKeyArn: _k, tableRemoval: _r, alarmTopicArn: _a, alarmEmail: _e, ...apiProps } = props;
    this.keyApi = new KeyApi(this, 'Default', { ...apiProps, table: this.table, tableKey: this.tableKey });
    this.api = this.keyApi.api;
    this.signing = this.keyApi.signing;
    this.stage = this.keyApi.stage;
    this.apiKeyAuthorizer = this.keyApi.apiKeyAuthorizer;
    this.accessTokenAuthorizer = this.keyApi.accessTokenAuthorizer;
    this.authorizerFunction = this.keyApi.authorizerFunction;
    this.functions = this.keyApi.functions;

    // In the API's scope with the id Default, for the same reason.
    const keyAlarms = new KeyAlarms(this.keyApi, 'Default', {
      api: this.api,
      authorizerFunction: this.authorizerFunction,
      table: this.table,
      signingKeyRotationFunction: this.keyApi.signing.rotationFunction,
      alarmTopicArn: config.alarmTopicArn,
      alarmEmail: config.alarmEmail,
    });
    this.alarms = keyAlarms.alarms;
    this.alarmTopic = keyAlarms.topic;
    this.auth0Webhook = this.keyApi.auth0Webhook;
    if (config.auth0EventSourceNames.length > 0) {
      // New with #14, under an id of its own; it notifies the alarm topic as the other alarms do.
      this.ownerEvents = new OwnerEvents(this, 'OwnerEvents', {
        eventSourceNames: config.auth0EventSourceNames,
        environment: this.keyApi.managementEnvironment,
        functionOptions: {
          table: this.table,
          tableKey: this.tableKey,
          logRetentionDays: config.logRetentionDays,
          sourceMaps: config.sourceMaps,
        },
        alarmTopic: this.alarmTopic,
      });
      this.alarms.push(...this.ownerEvents.alarms);
    }
    if (indexPlan(config.tableUpgradeStep).stream) {
      // New with #16, under an id of its own.
      this.lifecycleEvents = new LifecycleEvents(this, 'LifecycleEvents', {
        table: this.table,
        tableKey: this.tableKey,
        logRetentionDays: config.logRetentionDays,
        sourceMaps: config.sourceMaps,
        environment: functionEnvironment('events', { ...config, tableName: this.table.tableName }),
        eventBusName: config.eventBusName,
        alarmTopic: this.alarmTopic,
      });
      this.alarms.push(...this.lifecycleEvents.alarms);
    }
    // New with #12, so an id of its own: nothing deployed before has to keep a logical ID here.
    this.dashboard = new KeyDashboard(this, 'Dashboard', {
      api: this.api,
      authorizerFunction: this.authorizerFunction,
      table: this.table,
    }).dashboard;
  }

  /** Clients reach the API at `url` (e.g. a CloudFront front door), not its execute-api endpoint: see KeyApi.servedAt. */
  servedAt(url: string): void {
    this.keyApi.servedAt(url);
  }

  /** Routes `path` (any method by default) to `integration`, behind the API-key authorizer. */
  protect(path: string, integration: HttpRouteIntegration, methods?: HttpMethod[]): HttpRoute[] {
    return this.keyApi.protect(path, integration, methods);
  }
}
