import { join } from 'node:path';
import { Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
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
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  assertionLifetimeSeconds,
  AUTH0_WEBHOOK_ROUTE,
  corsRules,
  ROUTES,
  routesWithKeyCreationThrottle,
  splitCacheTtl,
  type FunctionName,
  type RouteDefinition,
} from '../lambdas/api-definition';
import { AUTHORIZER_FUNCTION_TIMEOUT_SECONDS, ROUTE_FUNCTION_TIMEOUT_SECONDS } from '../lambdas/runtime/function-timeouts';
import { auth0Issuer } from '../lambdas/runtime/config';
import { NEVER_CHECKED, unknownRouteProblem } from '../lambdas/domain/route-scope-check';
import { functionEnvironment } from '../lambdas/settings/function-environment';
import { ASSERTION_HEADER, assertionSettings } from './assertion-config';
import { AssertionSigning } from './assertion-signing';
import { logRetention, type HouseFunction } from './house-function';
import { createKeyFunction, type KeyFunctionOptions } from './key-functions';
import { CONSOLE_ASSETS_FOLDER } from '../lambdas/runtime/console-wiring';
import { Auth0Webhook } from './owner-events';
import { resolveUserApiKeysConfig, type UserApiKeysConfig, type UserApiKeysProps } from './user-api-keys-config';

/** A path as one word for bash, quoted. */
const posixShellWord = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

/** The settings the API uses (the README's "Settings", as props, with the same defaults), and the table it serves. */
export type KeyApiProps = Omit<UserApiKeysProps, 'tableEncryption' | 'tableKmsKeyArn' | 'tableRemoval' | 'alarmTopicArn'> & {
  readonly table: Table;
  /** The table's customer-managed key, which the functions need grants on. */
  readonly tableKey?: IKey | undefined;
};

/**
 * The HTTP API: the API-key authorizer and the Auth0 JWT authorizer, the
 * key-management functions and their routes, the sample or your backend
 * behind API keys, and the stage with its access log and throttles.
 */
export class KeyApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  /** Put this on routes that API keys should protect. */
  readonly apiKeyAuthorizer: HttpLambdaAuthorizer;
  /** Auth0 access tokens, checked at the edge (the functions check again). */
  readonly accessTokenAuthorizer: HttpJwtAuthorizer;
  readonly authorizerFunction: HouseFunction;
  readonly functions: Partial<Record<FunctionName, HouseFunction>> = {};
  private publicUrl?: string;
  /** The assertion signing keys: the secret, its KMS key, the JWKS parameter and the rotation. */
  readonly signing: AssertionSigning;
  /** The key-management functions' environment (and the owner-events function's: lib/owner-events.ts). */
  readonly managementEnvironment: Record<string, string>;
  /** POST /auth0/events, its function and its token's secret, when auth0EventsWebhook is on. */
  readonly auth0Webhook?: Auth0Webhook;

  constructor(scope: Construct, id: string, props: KeyApiProps) {
    super(scope, id);
    const { table, tableKey, ...settings } = props;
    const config = resolveUserApiKeysConfig(settings);
    const shared = { table, tableKey, logRetentionDays: config.logRetentionDays, sourceMaps: config.sourceMaps };

    // Its DynamoDB client gives up within worstCaseMs, so the function always
    // answers (with an error, never an allow) before its own timeout.
    const cacheTtl = splitCacheTtl(config.authorizerCacheTtlSeconds);
    // The backend's proof that a request came through here: see lib/assertion-signing.ts and lib/assertion-config.ts.
    const assertion = assertionSettings(config, () => this.publicUrl ?? this.api.apiEndpoint);
    this.signing = new AssertionSigning(this, 'AssertionSigning', {
      rotationDays: config.assertionKeyRotationDays,
      settings: assertion,
      functionOptions: shared,
    });
    this.authorizerFunction = createKeyFunction(this, 'authorizer', {
      ...shared,
      environment: functionEnvironment('authorizer', {
        ...config,
        tableName: table.tableName,
        verdictCacheTtlSeconds: cacheTtl.instanceSeconds,
        // Known once every protect() call is in, so produced at synth: the authorizer refuses a ROUTE_SCOPES that names others.
        apiKeyRoutes: [Lazy.string({ produce: () => this.apiKeyRouteKeys().join(',') })],
        ...assertion,
        assertionSecretArn: this.signing.secret.secretArn,
        assertionLifetimeSeconds: assertionLifetimeSeconds(config.authorizerCacheTtlSeconds),
      }),
      // A signing-key read falls on a request only when the cold start's failed; it gives up fast too
      // (lambdas/runtime/function-timeouts.ts, which the local gateway enforces as well).
      timeout: Duration.seconds(AUTHORIZER_FUNCTION_TIMEOUT_SECONDS),
      memorySize: 512,
    });
    this.signing.grantSign(this.authorizerFunction);
    this.apiKeyAuthorizer = new HttpLambdaAuthorizer('ApiKeyAuthorizer', this.authorizerFunction, {
      authorizerName: 'api-key',
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      // The verdict depends on the route (its required scope), so API Gateway
      // must cache it per route as well as per key: keyed by the header alone,
      // an allow on a route that needs no scope would be replayed, for the
      // cache TTL, on a route whose scope the key lacks.
      // The key's header (KEY_HEADER): without it API Gateway answers 401 and never calls the authorizer.
      // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html#http-api-lambda-authorizer.identity-sources
      identitySource: [`$request.header.${config.keyHeader === 'authorization' ? 'Authorization' : config.keyHeader}`, '$context.routeKey'],
      resultsCacheTtl: Duration.seconds(cacheTtl.gatewaySeconds),
    });
    this.accessTokenAuthorizer = new HttpJwtAuthorizer('Auth0Authorizer', auth0Issuer(config.auth0Domain), {
      authorizerName: 'auth0',
      jwtAudience: [config.auth0Audience],
      identitySource: ['$request.header.Authorization'],
    });

    // The same rules the local gateway applies (lambdas/api-definition.ts).
    const cors = corsRules(config.keyHeader);
    this.api = new HttpApi(this, 'Api', {
      description: 'User API keys',
      createDefaultStage: false,
      // aws-cdk-lib's props tell an absent option from an undefined one (exactOptionalPropertyTypes).
      ...(config.corsAllowOrigins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: [...config.corsAllowOrigins],
              allowMethods: cors.allowMethods.map((method) => CorsHttpMethod[method]),
              allowHeaders: [...cors.allowHeaders],
              exposeHeaders: [...cors.exposeHeaders],
              maxAge: Duration.seconds(cors.maxAgeSeconds),
            },
          }
        : {}),
    });
    this.stage = this.createStage(config);

    const managementEnvironment = functionEnvironment('management', {
      ...config,
      tableName: table.tableName,
      auth0WebhookSecretArn: undefined,
    });
    this.managementEnvironment = managementEnvironment;
    // One integration per function, bound to every route it serves (API Gateway reuses a bound one): the console's
    // page and its files share theirs.
    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    for (const route of ROUTES) {
      if (route.function === 'whoami' && config.backend.kind !== 'sample') continue;
      let integration = integrations.get(route.function);
      if (integration === undefined) {
        const fn =
          route.function === 'console'
            ? this.createConsoleFunction(shared, config)
            : this.createRouteFunction(route, shared, config, managementEnvironment, assertion);
        this.functions[route.function] = fn;
        integration = new HttpLambdaIntegration(`${route.function}Integration`, fn);
        integrations.set(route.function, integration);
      }
      this.addRoute(route, integration);
    }
    if (config.auth0EventsWebhook) {
      // No authorizer (Auth0 holds no token of ours): the function checks the stream's own token first. The stage's
      // default throttle applies, as to every route without a tighter one.
      this.auth0Webhook = new Auth0Webhook(this, 'Auth0Webhook', {
        functionOptions: shared,
        environment: (secretArn) =>
          functionEnvironment('management', { ...config, tableName: table.tableName, auth0WebhookSecretArn: secretArn }),
      });
      this.functions.auth0Webhook = this.auth0Webhook.function;
      this.addRoute(AUTH0_WEBHOOK_ROUTE, new HttpLambdaIntegration('auth0WebhookIntegration', this.auth0Webhook.function));
    }

    if (config.backend.kind === 'url') {
      this.protect('/{proxy+}', this.urlBackend(config.backend.url, config.keyHeader));
    } else if (config.backend.kind === 'function') {
      const backend = LambdaFunction.fromFunctionArn(this, 'Backend', config.backend.functionArn);
      this.protect('/{proxy+}', new HttpLambdaIntegration('BackendIntegration', backend));
    }
    // At synth, once every protect() call is in: routeScopes must name routes the key authorizer decides.
    this.node.addValidation({ validate: () => this.unenforcedRouteScopes(config) });
  }

  /**
   * Clients reach the API at `url` (a front door such as the edge) rather than its execute-api endpoint, which may
   * be off: the assertion's default issuer, where backends and the sample /whoami find the JWKS, follows it.
   */
  servedAt(url: string): void {
    this.publicUrl = url;
  }

  /** A route's function: the management environment and timeout for the key routes, the signing grants for the JWKS and the token exchange. */
  private createRouteFunction(
    route: RouteDefinition,
    shared: Pick<KeyFunctionOptions, 'table' | 'tableKey' | 'logRetentionDays' | 'sourceMaps'>,
    config: UserApiKeysConfig,
    managementEnvironment: Record<string, string>,
    assertion: ReturnType<typeof assertionSettings>,
  ): HouseFunction {
    // GitHub's alerts revoke keys as the management routes do, with their settings and time.
    const management = route.auth === 'accessToken' || route.function === 'secretScanning';
    const fn = createKeyFunction(this, route.function, {
      ...shared,
      environment: management
        ? managementEnvironment
        : route.function === 'jwks' || route.function === 'whoami'
          ? this.signing.environment(assertion)
          : route.function === 'token'
            ? functionEnvironment('token', {
                ...config,
                tableName: shared.table.tableName,
                accessTokenKeysSecretArn: this.signing.tokenKeysSecret.secretArn,
              })
            : route.function === 'openapi'
              ? functionEnvironment('openapi', config)
              : {},
      // Each function's own (lambdas/runtime/function-timeouts.ts, which the local gateway enforces as well): the
      // management timeout for the key routes and GitHub's alerts; the JWKS function's one GetParameter gives up
      // within worstCaseMs, so a slow one answers 503 JWKS_UNAVAILABLE, not a timeout.
      timeout: Duration.seconds(ROUTE_FUNCTION_TIMEOUT_SECONDS[route.function]),
    });
    if (route.function === 'jwks') this.signing.grantReadJwks(fn);
    // The token exchange reads the MAC keys alone, never a key that signs assertions (lambdas/domain/token-keys.ts).
    if (route.function === 'token') this.signing.grantReadTokenKeys(fn);
    return fn;
  }

  /**
   * The console's function: its settings (the Auth0 application, the key rules), and the page's files built
   * beside its bundle by console/build-cli.ts (esbuild, no Docker), which it reads at start-up.
   */
  private createConsoleFunction(
    shared: Pick<KeyFunctionOptions, 'table' | 'tableKey' | 'logRetentionDays' | 'sourceMaps'>,
    config: UserApiKeysConfig,
  ) {
    return createKeyFunction(this, 'console', {
      ...shared,
      environment: functionEnvironment('console', config),
      timeout: Duration.seconds(ROUTE_FUNCTION_TIMEOUT_SECONDS.console),
      afterBundling: (outputDir) => [
        `node_modules/.bin/tsx console/build-cli.ts ${posixShellWord(join(outputDir, CONSOLE_ASSETS_FOLDER))}`,
      ],
    });
  }

  /** Routes `path` (any method by default) to `integration`, behind the API-key authorizer. */
  protect(path: string, integration: HttpRouteIntegration, methods: HttpMethod[] = [HttpMethod.ANY]): HttpRoute[] {
    return this.api.addRoutes({ path, methods, integration, authorizer: this.apiKeyAuthorizer });
  }

  /** Route keys in `routeScopes` that no route behind the API-key authorizer has: their scope would never be checked. */
  private unenforcedRouteScopes(config: UserApiKeysConfig): string[] {
    const keyRoutes = this.apiKeyRouteKeys();
    return [...config.routeScopes.keys()].flatMap((routeKey) => {
      const why = unknownRouteProblem(routeKey, keyRoutes);
      return why === undefined ? [] : [`routeScopes: ${why}: ${NEVER_CHECKED}`];
    });
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

  private addRoute(route: RouteDefinition, integration: HttpRouteIntegration): void {
    const authorizer: IHttpRouteAuthorizer | undefined =
      route.auth === 'apiKey' ? this.apiKeyAuthorizer : route.auth === 'accessToken' ? this.accessTokenAuthorizer : undefined;
    const created = this.api.addRoutes({
      path: route.path,
      methods: [HttpMethod[route.method]],
      integration,
      ...(authorizer !== undefined ? { authorizer } : {}),
    });
    if (route.throttle !== undefined) {
      // The stage's route settings name this route, and API Gateway refuses settings for a route that
      // does not exist yet ("Unable to find Route by key"): CloudFormation must create the route first.
      for (const httpRoute of created) this.stage.node.addDependency(httpRoute);
    }
  }

  /**
   * An HTTP backend gets who the key acts as in headers. It must accept them
   * only from this API (e.g. behind a private integration or a shared secret).
   */
  private urlBackend(url: string, keyHeader: string): HttpUrlIntegration {
    // $context.authorizer.<key> is the Lambda authorizer's returned context
    // (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html).
    const mapping = new ParameterMapping()
      .overwriteHeader('x-api-key-sub', MappingValue.contextVariable('authorizer.sub'))
      .overwriteHeader('x-api-key-id', MappingValue.contextVariable('authorizer.keyId'))
      // Space-separated, as in an OAuth `scope` claim.
      .overwriteHeader('x-api-key-scopes', MappingValue.contextVariable('authorizer.scope'))
      // The signed proof of the three above: the one a backend should believe (README, "For backend authors").
      .overwriteHeader(ASSERTION_HEADER, MappingValue.contextVariable('authorizer.assertion'));
    // The live key stays out of the backend when it comes in a header of its own; Authorization is
    // reserved and cannot be removed (the same page, "Reserved headers").
    if (keyHeader !== 'authorization') mapping.removeHeader(keyHeader);
    return new HttpUrlIntegration('BackendIntegration', `${url}/{proxy}`, { parameterMapping: mapping });
  }

  private createStage(config: UserApiKeysConfig): HttpStage {
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: logRetention(config.logRetentionDays),
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
      throttle: { rateLimit: config.throttleRateLimit, burstLimit: config.throttleBurstLimit },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format },
    });
    // The L2 stage has no per-route settings: set them on the CloudFormation resource.
    // The key-creation routes' budget is a setting (keyCreationRateLimit, keyCreationBurstLimit).
    const keyCreation = { rateLimit: config.keyCreationRateLimit, burstLimit: config.keyCreationBurstLimit };
    (stage.node.defaultChild as CfnStage).routeSettings = Object.fromEntries(
      routesWithKeyCreationThrottle(keyCreation).flatMap((route) =>
        route.throttle === undefined
          ? []
          : [
              [
                `${route.method} ${route.path}`,
                { ThrottlingRateLimit: route.throttle.rateLimit, ThrottlingBurstLimit: route.throttle.burstLimit },
              ],
            ],
      ),
    );
    return stage;
  }
}
