import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CfnRoute,
  CfnStage,
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
  MappingValue,
  ParameterMapping,
  type HttpRoute,
  type HttpRouteIntegration,
  type IHttpRouteAuthorizer,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer, HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration, HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, MathExpression, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, BillingMode, Operation, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key, type IKey } from 'aws-cdk-lib/aws-kms';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ROUTES, splitCacheTtl, type FunctionName, type RouteDefinition } from '../lambdas/api-definition';
import { AUTHORIZER_DYNAMODB_TIMEOUTS, MANAGEMENT_DYNAMODB_TIMEOUTS, worstCaseMs } from '../lambdas/runtime/clients';
import { auth0Issuer } from '../lambdas/runtime/config';
import { routeScopesToJson } from '../lambdas/domain/route-scopes';
import { TABLE } from '../lambdas/store/table-schema';
import { HouseFunction } from './house-function';
import type { UserApiKeysConfig } from './stack-config';

interface FunctionSpec {
  readonly entrypoint: string;
  readonly description: string;
  /** Actions on the table itself (items); never Query. */
  readonly actions: readonly string[];
  /** The one index this function queries: Query is granted on that index and nowhere else. */
  readonly queries?: string;
}

/** Each function's entry point and the table actions it needs, and no more. */
const FUNCTIONS: Record<FunctionName | 'authorizer', FunctionSpec> = {
  // UpdateItem only for lastUsedAt: see the condition where it is granted.
  authorizer: { entrypoint: 'authorizer', description: 'API key authorizer', actions: ['dynamodb:GetItem'] },
  createKey: {
    entrypoint: 'create-key',
    description: 'POST /keys',
    // TransactWriteItems is authorized per contained operation (Put, Update).
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  },
  listKeys: {
    entrypoint: 'list-keys',
    description: 'GET /keys',
    actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'],
    queries: TABLE.ownerIndex.name,
  },
  getKey: { entrypoint: 'get-key', description: 'GET /keys/{id}', actions: ['dynamodb:GetItem'] },
  updateKey: {
    entrypoint: 'update-key',
    description: 'PATCH /keys/{id}',
    // A transaction: the key's Update and its audit events' Puts.
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  },
  revokeKey: {
    entrypoint: 'revoke-key',
    description: 'DELETE /keys/{id}',
    // A transaction: the key's and the owner's Updates, and the audit event's Put.
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  },
  rotateKey: {
    entrypoint: 'rotate-key',
    description: 'POST /keys/{id}/rotate',
    // A transaction: Updates of the owner and the old key, Puts of the new key and the audit events.
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  },
  listKeyEvents: {
    entrypoint: 'list-key-events',
    description: 'GET /keys/{id}/events',
    actions: ['dynamodb:GetItem'],
    queries: TABLE.eventIndex.name,
  },
  whoami: { entrypoint: 'whoami', description: 'GET /whoami (sample protected backend)', actions: [] },
  health: { entrypoint: 'health', description: 'GET /health', actions: [] },
};

export const MANAGEMENT_FUNCTION_TIMEOUT = Duration.seconds(2 * Math.ceil(worstCaseMs(MANAGEMENT_DYNAMODB_TIMEOUTS) / 1000));

const READ_ONLY_ACTIONS = new Set(['dynamodb:GetItem', 'dynamodb:BatchGetItem']);

export interface UserApiKeysProps {
  readonly config: UserApiKeysConfig;
}

/**
 * User-scoped API keys in front of an HTTP API: the key table, the API-key
 * authorizer, the Auth0-protected key-management routes, and alarms. Use
 * `protect()` to put your own routes behind API keys.
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
  readonly functions: Partial<Record<FunctionName, HouseFunction>> = {};
  readonly alarms: Alarm[] = [];
  readonly tableKey?: IKey;

  constructor(scope: Construct, id: string, props: UserApiKeysProps) {
    super(scope, id);
    const { config } = props;

    this.tableKey =
      config.tableEncryption !== 'customer-managed'
        ? undefined
        : config.tableKmsKeyArn !== undefined
          ? Key.fromKeyArn(this, 'TableKey', config.tableKmsKeyArn)
          : new Key(this, 'TableKey', { enableKeyRotation: true, description: 'User API keys table', removalPolicy: RemovalPolicy.RETAIN });
    this.table = this.createTable(config);

    const keyEnvironment = {
      TABLE_NAME: this.table.tableName,
      KEY_PREFIX: config.keyPrefix,
      MAX_KEYS_PER_USER: String(config.keyPolicy.maxKeysPerUser),
      DEFAULT_KEY_LIFETIME_DAYS: String(config.keyPolicy.defaultLifetimeDays),
      MAX_KEY_LIFETIME_DAYS: String(config.keyPolicy.maxLifetimeDays),
      AUDIT_RETENTION_DAYS: String(config.keyPolicy.auditRetentionDays),
      // The authorizer denies a key without the route's scope; management refuses keys with scopes no one allowed.
      ROUTE_SCOPES: routeScopesToJson(config.routeScopes),
      ...(config.allowedKeyScopes.length > 0 ? { ALLOWED_KEY_SCOPES: config.allowedKeyScopes.join(',') } : {}),
    };
    const authEnvironment = {
      AUTH0_DOMAIN: config.auth0Domain,
      AUTH0_AUDIENCE: config.auth0Audience,
      ALLOW_MACHINE_TOKENS: String(config.allowMachineTokens),
      ...(config.requiredScope !== undefined ? { REQUIRED_SCOPE: config.requiredScope } : {}),
    };

    // Its DynamoDB client gives up within worstCaseMs, so the function always
    // answers (with an error, never an allow) before its own timeout.
    const cacheTtl = splitCacheTtl(config.authorizerCacheTtlSeconds);
    this.authorizerFunction = this.createFunction('authorizer', config, {
      environment: { ...keyEnvironment, VERDICT_CACHE_TTL_SECONDS: String(cacheTtl.instanceSeconds) },
      timeout: Duration.seconds(Math.ceil((worstCaseMs(AUTHORIZER_DYNAMODB_TIMEOUTS) + 1000) / 1000)),
      memorySize: 512,
    });
    this.apiKeyAuthorizer = new HttpLambdaAuthorizer('ApiKeyAuthorizer', this.authorizerFunction, {
      authorizerName: 'api-key',
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      // The verdict depends on the route (its required scope), so API Gateway
      // must cache it per route as well as per key: keyed by the header alone,
      // an allow on a route that needs no scope would be replayed, for the
      // cache TTL, on a route whose scope the key lacks.
      identitySource: ['$request.header.Authorization', '$context.routeKey'],
      resultsCacheTtl: Duration.seconds(cacheTtl.gatewaySeconds),
    });
    this.accessTokenAuthorizer = new HttpJwtAuthorizer('Auth0Authorizer', auth0Issuer(config.auth0Domain), {
      authorizerName: 'auth0',
      jwtAudience: [config.auth0Audience],
      identitySource: ['$request.header.Authorization'],
    });

    this.api = new HttpApi(this, 'Api', {
      description: 'User API keys',
      createDefaultStage: false,
      ...(config.corsAllowOrigins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: [...config.corsAllowOrigins],
              allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PATCH, CorsHttpMethod.DELETE],
              allowHeaders: ['authorization', 'content-type'],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });
    this.stage = this.createStage(config);

    for (const route of ROUTES) {
      if (route.function === 'whoami' && config.backend.kind !== 'sample') continue;
      const fn = this.createFunction(route.function, config, {
        environment: route.auth === 'accessToken' ? { ...keyEnvironment, ...authEnvironment } : {},
        // A management call makes a few DynamoDB calls in a row; it still ends
        // inside API Gateway's 30 s integration limit.
        timeout: route.auth === 'accessToken' ? MANAGEMENT_FUNCTION_TIMEOUT : Duration.seconds(3),
      });
      this.functions[route.function] = fn;
      this.addRoute(route, new HttpLambdaIntegration(`${route.function}Integration`, fn));
    }

    if (config.backend.kind === 'url') {
      this.protect('/{proxy+}', this.urlBackend(config.backend.url));
    } else if (config.backend.kind === 'function') {
      const backend = LambdaFunction.fromFunctionArn(this, 'Backend', config.backend.functionArn);
      this.protect('/{proxy+}', new HttpLambdaIntegration('BackendIntegration', backend));
    }

    this.createAlarms(config);
    // At synth, once every protect() call is in: routeScopes must name routes the key authorizer decides.
    this.node.addValidation({ validate: () => this.unenforcedRouteScopes(config) });
  }

  /** Route keys in `routeScopes` that no route behind the API-key authorizer has: their scope would never be checked. */
  private unenforcedRouteScopes(config: UserApiKeysConfig): string[] {
    const keyRoutes = this.apiKeyRouteKeys();
    return [...config.routeScopes.keys()]
      .filter((routeKey) => !keyRoutes.includes(routeKey))
      .map(
        (routeKey) =>
          `routeScopes: "${routeKey}" names no route behind the API-key authorizer ` +
          `(${keyRoutes.length > 0 ? `those are ${keyRoutes.join(', ')}` : 'there are none'}): a scope there would never be checked`,
      );
  }

  private apiKeyRouteKeys(): string[] {
    let authorizerId: string;
    try {
      authorizerId = this.apiKeyAuthorizer.authorizerId;
    } catch {
      return []; // no route uses it, so it was never bound
    }
    const same = (scope: Construct, a: unknown, b: unknown) =>
      JSON.stringify(Stack.of(scope).resolve(a)) === JSON.stringify(Stack.of(scope).resolve(b));
    return this.node.root.node
      .findAll()
      .filter((c): c is CfnRoute => c instanceof CfnRoute)
      .filter((route) => same(route, route.apiId, this.api.apiId) && same(route, route.authorizerId, authorizerId))
      .map((route) => route.routeKey)
      .sort();
  }

  /** Routes `path` (any method by default) to `integration`, behind the API-key authorizer. */
  protect(path: string, integration: HttpRouteIntegration, methods: HttpMethod[] = [HttpMethod.ANY]): HttpRoute[] {
    return this.api.addRoutes({ path, methods, integration, authorizer: this.apiKeyAuthorizer });
  }

  private addRoute(route: RouteDefinition, integration: HttpRouteIntegration): void {
    const authorizer: IHttpRouteAuthorizer | undefined =
      route.auth === 'apiKey' ? this.apiKeyAuthorizer : route.auth === 'accessToken' ? this.accessTokenAuthorizer : undefined;
    this.api.addRoutes({
      path: route.path,
      methods: [route.method as HttpMethod],
      integration,
      ...(authorizer !== undefined ? { authorizer } : {}),
    });
  }

  /**
   * An HTTP backend gets who the key acts as in headers. It must accept them
   * only from this API (e.g. behind a private integration or a shared secret).
   */
  private urlBackend(url: string): HttpUrlIntegration {
    return new HttpUrlIntegration('BackendIntegration', `${url}/{proxy}`, {
      parameterMapping: new ParameterMapping()
        .overwriteHeader('x-api-key-sub', MappingValue.contextVariable('authorizer.sub'))
        .overwriteHeader('x-api-key-id', MappingValue.contextVariable('authorizer.keyId'))
        // Space-separated, as in an OAuth `scope` claim.
        .overwriteHeader('x-api-key-scopes', MappingValue.contextVariable('authorizer.scope')),
    });
  }

  private createTable(config: UserApiKeysConfig): Table {
    const retain = config.tableRemoval === 'retain';
    const table = new Table(this, 'Table', {
      partitionKey: { name: TABLE.partitionKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TABLE.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: retain,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      ...(config.tableEncryption === 'aws-managed'
        ? { encryption: TableEncryption.AWS_MANAGED }
        : config.tableEncryption === 'customer-managed'
          ? { encryption: TableEncryption.CUSTOMER_MANAGED, encryptionKey: this.tableKey! }
          : { encryption: TableEncryption.DEFAULT }),
    });
    table.addGlobalSecondaryIndex({
      indexName: TABLE.ownerIndex.name,
      partitionKey: { name: TABLE.ownerIndex.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE.ownerIndex.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: [...TABLE.ownerIndex.projectedAttributes],
    });
    // Sparse (only audit events carry its key), and events hold nothing secret.
    table.addGlobalSecondaryIndex({
      indexName: TABLE.eventIndex.name,
      partitionKey: { name: TABLE.eventIndex.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE.eventIndex.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
    return table;
  }

  private createStage(config: UserApiKeysConfig): HttpStage {
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: config.logRetentionDays as RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // No header values: the Authorization header carries keys and tokens.
    const format = AccessLogFormat.custom(
      JSON.stringify({
        requestId: '$context.requestId',
        time: '$context.requestTime',
        ip: '$context.identity.sourceIp',
        userAgent: '$context.identity.userAgent',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latencyMs: '$context.responseLatency',
        integrationError: '$context.integrationErrorMessage',
        authorizerError: '$context.authorizer.error',
        keyId: '$context.authorizer.keyId',
        sub: '$context.authorizer.sub',
      }),
    );
    const stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      detailedMetricsEnabled: true,
      throttle: { rateLimit: config.throttle.rateLimit, burstLimit: config.throttle.burstLimit },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format },
    });
    // The L2 stage has no per-route settings: set them on the CloudFormation resource.
    (stage.node.defaultChild as CfnStage).routeSettings = Object.fromEntries(
      ROUTES.filter((route) => route.throttle !== undefined).map((route) => [
        `${route.method} ${route.path}`,
        { ThrottlingRateLimit: route.throttle!.rateLimit, ThrottlingBurstLimit: route.throttle!.burstLimit },
      ]),
    );
    return stage;
  }

  private createFunction(
    name: FunctionName | 'authorizer',
    config: UserApiKeysConfig,
    options: { environment: Record<string, string>; timeout: Duration; memorySize?: number },
  ): HouseFunction {
    const spec = FUNCTIONS[name];
    const fn = new HouseFunction(this, `${name[0]!.toUpperCase()}${name.slice(1)}Function`, {
      entrypoint: spec.entrypoint,
      description: spec.description,
      serviceName: `user-api-keys-${spec.entrypoint}`,
      logRetentionDays: config.logRetentionDays,
      environment: options.environment,
      timeout: options.timeout,
      ...(options.memorySize !== undefined ? { memorySize: options.memorySize } : {}),
    });
    if (name === 'authorizer') {
      // "Last used" bookkeeping: the authorizer may update that one attribute and nothing else.
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['dynamodb:UpdateItem'],
          resources: [this.table.tableArn],
          conditions: { 'ForAllValues:StringEquals': { 'dynamodb:Attributes': [TABLE.partitionKey, 'lastUsedAt'] } },
        }),
      );
    }
    if (spec.actions.length > 0) {
      fn.addToRolePolicy(new PolicyStatement({ actions: [...spec.actions], resources: [this.table.tableArn] }));
    }
    if (spec.queries !== undefined) {
      // The index it reads, and no other: the table's own ARN does not cover its indexes.
      fn.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${this.table.tableArn}/index/${spec.queries}`] }));
    }
    if (spec.actions.length > 0 || spec.queries !== undefined) {
      if (this.tableKey !== undefined) {
        // Named actions, no wildcards: what DynamoDB asks of a caller of a CMK-encrypted table.
        const readOnly = name !== 'authorizer' && spec.actions.every((action) => READ_ONLY_ACTIONS.has(action));
        this.tableKey.grant(fn, 'kms:Decrypt', 'kms:DescribeKey', ...(readOnly ? [] : ['kms:Encrypt', 'kms:GenerateDataKey']));
      }
    }
    return fn;
  }

  private createAlarms(config: UserApiKeysConfig): void {
    const managementRoutes = ROUTES.filter((route) => route.auth === 'accessToken');
    const stageName = '$default';
    const management5xx = new MathExpression({
      label: 'Key management 5xx',
      // FILL: a route without traffic has no datapoint, which would blank the sum.
      expression: managementRoutes.map((_, i) => `FILL(m${i}, 0)`).join(' + '),
      usingMetrics: Object.fromEntries(
        managementRoutes.map((route, i) => [
          `m${i}`,
          new Metric({
            namespace: 'AWS/ApiGateway',
            metricName: '5xx',
            statistic: 'Sum',
            dimensionsMap: { ApiId: this.api.apiId, Stage: stageName, Method: route.method, Resource: route.path },
          }),
        ]),
      ),
      period: Duration.minutes(5),
    });
    const alarm = (id: string, metric: IMetric, description: string) => {
      const created = new Alarm(this, id, {
        metric,
        alarmDescription: description,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      this.alarms.push(created);
    };
    alarm(
      'AuthorizerErrors',
      this.authorizerFunction.metricErrors({ period: Duration.minutes(5) }),
      'The API-key authorizer failed (clients got 500s; nothing was let in)',
    );
    alarm('ManagementServerErrors', management5xx, 'Key-management routes answered 5xx');
    alarm(
      'TableThrottling',
      this.table.metricThrottledRequestsForOperations({
        operations: [
          Operation.GET_ITEM,
          Operation.QUERY,
          Operation.BATCH_GET_ITEM,
          Operation.PUT_ITEM,
          Operation.UPDATE_ITEM,
          Operation.TRANSACT_WRITE_ITEMS,
        ],
        period: Duration.minutes(5),
      }),
      'DynamoDB throttled requests to the key table',
    );
    if (config.alarmTopicArn !== undefined) {
      const topic = Topic.fromTopicArn(this, 'AlarmTopic', config.alarmTopicArn);
      for (const created of this.alarms) created.addAlarmAction(new SnsAction(topic));
    }
  }
}
