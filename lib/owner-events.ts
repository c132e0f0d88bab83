import { createHash } from 'node:crypto';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { ComparisonOperator, type Alarm, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { EventBus, Rule, type EventPattern } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { auth0EventBridgePatterns } from '../lambdas/domain/auth0-events';
import { AUTH0_WEBHOOK_FUNCTION_TIMEOUT_SECONDS } from '../lambdas/runtime/function-timeouts';
import type { HouseFunction } from './house-function';
import { createKeyFunction, type KeyFunctionOptions } from './key-functions';
import { firstBadDatapointAlarm, type AlarmThreshold } from './key-alarms';

/** The table, its key and the log retention: what every function of the project is made with. */
type FunctionOptions = Omit<KeyFunctionOptions, 'environment' | 'timeout' | 'memorySize' | 'deadLetterQueue'>;

/**
 * The owner-events function revokes (or disables, or re-enables) an owner's keys one transaction after another,
 * each worst case MANAGEMENT_DYNAMODB_TIMEOUTS' 12 s on a struggling DynamoDB, up to maxKeysPerUser of them: five
 * minutes holds some 25 worst-case calls, where a normal run takes well under a second. A run cut short is
 * retried (below) and picks up where it stopped: applying a report again changes nothing already changed
 * (lambdas/domain/owner-lifecycle.ts). Nothing waits on it, so it may take the time API Gateway's 30 s forbids.
 */
export const OWNER_EVENTS_FUNCTION_TIMEOUT = Duration.minutes(5);

/**
 * How long an Auth0 report may stay undelivered before a person hears of it, for both hops, whichever fails:
 * EventBridge delivering it to Lambda (the target's retry policy), and Lambda running it (its asynchronous
 * invocation). A deleted or blocked user's keys work until the report is applied, so an hour of retries rides
 * out a Lambda or DynamoDB hiccup, then the event waits in the dead-letter queue, whose alarm calls someone,
 * instead of EventBridge's default of a silent day and Lambda's of six hours.
 */
export const OWNER_EVENT_MAX_AGE = Duration.hours(1);

/**
 * EventBridge retries a failed delivery with backoff and jitter until the age or the count runs out, whichever
 * comes first (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html): the count is
 * its maximum, 185, so the hour above is what decides. Errors EventBridge cannot retry (a missing permission, a
 * deleted function) go to the dead-letter queue at once.
 */
export const OWNER_EVENT_DELIVERY_ATTEMPTS = 185;

/**
 * EventBridge invokes Lambda asynchronously: once Lambda has queued the event, EventBridge's retries and its
 * dead-letter queue are done with it, and a function error is retried by Lambda, which by default tries twice
 * more (a minute, then two minutes, later) and then drops the event
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html). Two, the most Lambda
 * allows: a report that failed three times over three minutes (DynamoDB unavailable, say) goes to the same
 * dead-letter queue, with the same body (the EventBridge event), so one alarm and one redrive serve both.
 */
export const OWNER_EVENT_FUNCTION_RETRIES = 2;

/** Long enough for a person to notice, fix and redrive: SQS keeps a message at most 14 days. */
const DEAD_LETTER_RETENTION = Duration.days(14);

export interface OwnerEventsProps {
  /** Auth0's partner event sources (auth0EventSourceNames): one partner event bus each. */
  readonly eventSourceNames: readonly string[];
  /** The management functions' environment (TABLE_NAME and the key settings), which the handler loads. */
  readonly environment: Record<string, string>;
  readonly functionOptions: FunctionOptions;
  /** The topic the stack's alarms notify, if any. */
  readonly alarmTopic?: ITopic | undefined;
}

/**
 * Auth0's Log Streams and Auth0 Events, delivered through Amazon EventBridge, acted on: for each partner event
 * source a partner event bus, and on it one rule per pattern of auth0EventBridgePatterns(), all targeting one
 * function (ownerEvents) that revokes, disables or re-enables the owner's keys. What cannot be delivered or
 * applied in an hour lands in an encrypted dead-letter queue, which alarms; so do the function's errors.
 *
 * One rule per pattern rather than one rule: EventBridge's `$or` could join the three
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html), but CDK's
 * EventPattern has no top-level `$or` and the patterns differ below the top level; kept apart, each rule's
 * pattern is exactly one of auth0EventBridgePatterns(), which is what the handler was written and tested
 * against. The three match disjoint events (an `sdu` log, a `sapi` log, a CloudEvent), so none is delivered
 * twice; if one were, applying a report again changes nothing.
 */
export class OwnerEvents extends Construct {
  readonly eventBuses: EventBus[] = [];
  readonly rules: Rule[] = [];
  readonly function: HouseFunction;
  readonly deadLetterQueue: Queue;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: OwnerEventsProps) {
    super(scope, id);
    if (props.eventSourceNames.length === 0) throw new Error('OwnerEvents needs at least one Auth0 partner event source name');

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      // SQS-managed keys: EventBridge and Lambda can send without a key policy naming them.
      encryption: QueueEncryption.SQS_MANAGED,
      // A Deny for any request without TLS (cdk-nag AwsSolutions-SQS4).
      enforceSSL: true,
      retentionPeriod: DEAD_LETTER_RETENTION,
      // Undelivered reports are worth nothing once the stack, and its table, are gone.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.function = createKeyFunction(this, 'ownerEvents', {
      ...props.functionOptions,
      environment: props.environment,
      timeout: OWNER_EVENTS_FUNCTION_TIMEOUT,
      // Lambda's own dead-letter queue (rather than an on-failure destination) keeps the message body the
      // EventBridge event itself, as EventBridge's dead-letter messages are: one redrive for both.
      deadLetterQueue: this.deadLetterQueue,
    });
    this.function.configureAsyncInvoke({ retryAttempts: OWNER_EVENT_FUNCTION_RETRIES, maxEventAge: OWNER_EVENT_MAX_AGE });

    // The handler's patterns are the rules' only source: what it can read is what EventBridge lets through.
    const patterns = auth0EventBridgePatterns();
    const target = new LambdaFunction(this.function, {
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: OWNER_EVENT_DELIVERY_ATTEMPTS,
      maxEventAge: OWNER_EVENT_MAX_AGE,
    });
    for (const eventSourceName of [...new Set(props.eventSourceNames)]) {
      // Named after the source (stable when the list is reordered): construct ids cannot hold its "/".
      const busId = `Bus${createHash('sha256').update(eventSourceName).digest('hex').slice(0, 8)}`;
      // A partner event bus: CloudFormation's Name "must exactly match the name of the partner event source that
      // this event bus is matched to", EventSourceName
      // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-events-eventbus.html);
      // given eventSourceName alone, CDK's EventBus sets both.
      const bus = new EventBus(this, busId, { eventSourceName });
      this.eventBuses.push(bus);
      patterns.forEach((pattern, index) => {
        const rule = new Rule(this, `${busId}Rule${index + 1}`, {
          eventBus: bus,
          description: `Auth0 reports of deleted, blocked and unblocked users (pattern ${index + 1} of ${patterns.length}) to the owner-events function`,
          eventPattern: asEventPattern(pattern),
        });
        // The Lambda permission and the queue policy this adds name this rule's ARN: no other rule or bus may use them.
        rule.addTarget(target);
        this.rules.push(rule);
      });
    }

    const period = Duration.minutes(5);
    this.alarm(
      'DeadLetters',
      this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      "Auth0 reports of deleted, blocked or unblocked users were not applied within an hour (EventBridge could not deliver them, or the owner-events function failed on them): those users' keys are unchanged. Read the messages in the dead-letter queue, fix the cause, then invoke the function with each body.",
      { threshold: 0, comparison: ComparisonOperator.GREATER_THAN_THRESHOLD },
    );
    this.alarm(
      'FunctionErrors',
      this.function.metricErrors({ period }),
      'The owner-events function failed on an Auth0 report (Lambda retries it twice, then it goes to the dead-letter queue)',
      { threshold: 1, comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD },
    );
    if (props.alarmTopic !== undefined) {
      const action = new SnsAction(props.alarmTopic);
      for (const created of this.alarms) created.addAlarmAction(action);
    }
  }

  private alarm(id: string, metric: IMetric, description: string, options: AlarmThreshold): void {
    // A queue that holds no messages publishes no datapoint: quiet, as it should be.
    this.alarms.push(firstBadDatapointAlarm(this, id, metric, description, options));
  }
}

/** auth0EventBridgePatterns() in EventBridge's own keys; CDK's EventPattern spells `detail-type` detailType and renders it back. */
function asEventPattern(pattern: Record<string, unknown>): EventPattern {
  const { 'detail-type': detailType, ...rest } = pattern;
  return { ...rest, ...(detailType !== undefined ? { detailType } : {}) } as EventPattern;
}

/**
 * The webhook's timeout, from lambdas/runtime/function-timeouts.ts (a management call plus the token's read from
 * Secrets Manager, capped at 29 s): API Gateway ends an HTTP API integration at 30 s, and the handler's deadline
 * (the invocation's remaining time less 1 s: lambdas/runtime/deadline.ts) must come first, so that a slow store is
 * a 503 of the handler's own, which Auth0 retries, rather than the gateway's.
 */
export const AUTH0_WEBHOOK_TIMEOUT = Duration.seconds(AUTH0_WEBHOOK_FUNCTION_TIMEOUT_SECONDS);

/** The webhook token: long, and letters and digits only, so that it pastes into Auth0's dashboard as it is. */
export const AUTH0_WEBHOOK_TOKEN_LENGTH = 48;

export interface Auth0WebhookProps {
  readonly functionOptions: FunctionOptions;
  /** The function's environment, given the token secret's ARN: the management settings and AUTH0_WEBHOOK_SECRET_ARN. */
  readonly environment: (secretArn: string) => Record<string, string>;
}

/**
 * POST /auth0/events's function and the token Auth0's Event Stream sends it (`Authorization: Bearer <token>`):
 * a Secrets Manager secret generated at deploy, which the function, and nothing else here, may read. KeyApi
 * routes the function; the stack outputs the secret's ARN (Auth0WebhookTokenSecret), never its value.
 */
export class Auth0Webhook extends Construct {
  readonly tokenSecret: Secret;
  readonly function: HouseFunction;

  constructor(scope: Construct, id: string, props: Auth0WebhookProps) {
    super(scope, id);
    this.tokenSecret = new Secret(this, 'TokenSecret', {
      description:
        "User API keys: the token of the Auth0 Event Stream's webhook to POST /auth0/events (paste it into the stream's Bearer token)",
      // A plain SecretString (no JSON template): the token itself, 48 letters and digits.
      generateSecretString: {
        passwordLength: AUTH0_WEBHOOK_TOKEN_LENGTH,
        excludePunctuation: true,
        includeSpace: false,
      },
      // Secrets Manager's own key (aws/secretsmanager): GetSecretValue alone decrypts it for this account's callers.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.function = createKeyFunction(this, 'auth0Webhook', {
      ...props.functionOptions,
      environment: props.environment(this.tokenSecret.secretArn),
      timeout: AUTH0_WEBHOOK_TIMEOUT,
    });
    // The token's value and nothing else of Secrets Manager (not DescribeSecret, which Secret.grantRead adds).
    this.function.addToRolePolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.tokenSecret.secretArn] }),
    );
  }
}
