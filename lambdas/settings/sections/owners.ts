import { DEFAULT_KEY_POLICY } from '../../domain/key-policy';
import type { RouteScopes } from '../../domain/route-scopes';
import * as kind from '../kinds';
import { setting } from '../spec';

/** Keys follow their owner: bounded by the owner's rights, limited per owner, purged after revocation, managed by support staff. */
const OWNER_POLICY = ['stack', 'management', 'local'] as const;

export const OWNER_SETTINGS = {
  keyScopesFromToken: setting({
    env: 'KEY_SCOPES_FROM_TOKEN',
    kind: kind.boolean(),
    usedBy: OWNER_POLICY,
    default: (settled) => (settled.routeScopes as RouteScopes).size > 0,
    shownDefault: '`true` once `ROUTE_SCOPES` names a route, else `false`',
    meaning:
      'a key may carry only scopes the creating (or rotating) token holds itself: its `permissions` claim (Auth0 RBAC) when it has one, else its `scope`; 403 `SCOPE_EXCEEDS_OWNER` otherwise',
  }),
  adminScope: setting({
    env: 'ADMIN_SCOPE',
    kind: kind.text(/^[A-Za-z0-9:._\-/*]{1,64}$/, 'one scope such as keys:admin'),
    usedBy: OWNER_POLICY,
    optional: true,
    localDefault: 'keys:admin',
    shownDefault: 'unset: the admin routes answer 403; `keys:admin` under `npm start`',
    meaning:
      "the permission support staff's tokens carry for `/admin/...`: in a person's token, in its `permissions` claim (Auth0 RBAC), which a user cannot ask for; in a machine-to-machine token, in its `scope` (its client grant)",
  }),
  ownerKeyCreationRate: setting({
    env: 'OWNER_KEY_CREATION_RATE',
    kind: kind.integer(1, 600),
    usedBy: OWNER_POLICY,
    default: DEFAULT_KEY_POLICY.ownerBudget.perMinute,
    meaning:
      'creates and rotations one owner may make per minute (a token bucket on the owner item); 429 `RATE_LIMITED` with `Retry-After` beyond it',
  }),
  ownerKeyCreationBurst: setting({
    env: 'OWNER_KEY_CREATION_BURST',
    kind: kind.integer(1, 1000),
    usedBy: OWNER_POLICY,
    default: DEFAULT_KEY_POLICY.ownerBudget.burst,
    meaning: 'how many of them an owner who has been idle may make at once',
  }),
  revokedRetentionDays: setting({
    env: 'REVOKED_RETENTION_DAYS',
    kind: kind.integer(1, 3650),
    usedBy: OWNER_POLICY,
    default: DEFAULT_KEY_POLICY.revokedRetentionDays,
    meaning:
      "how long a revoked key's record stays (its `expiresAt` becomes the revocation plus this, if sooner), after which DynamoDB's TTL purges it; its audit events keep their own retention",
  }),
  auth0EventSourceNames: setting({
    env: 'AUTH0_EVENT_SOURCE_NAMES',
    kind: kind.list(
      /^aws\.partner\/auth0\.com\/[A-Za-z0-9._/-]{1,200}$/,
      'partner event source names such as aws.partner/auth0.com/tenant-0a1b…/auth0.logs',
    ),
    usedBy: ['stack'],
    default: [],
    meaning:
      'the Auth0 partner event sources (a Log Stream and/or an Event Stream to Amazon EventBridge) whose reports of deleted, blocked and unblocked users revoke, disable and re-enable their keys; the stack creates an event bus for each, a rule, a function, a dead-letter queue and an alarm (README, *Keys follow their owner*)',
  }),
  auth0EventsWebhook: setting({
    env: 'AUTH0_EVENTS_WEBHOOK',
    kind: kind.boolean(),
    usedBy: ['stack'],
    default: false,
    meaning:
      '`true`: `POST /auth0/events` takes an Auth0 Event Stream’s webhook deliveries, checked against a token the stack generates in Secrets Manager (output `Auth0WebhookTokenSecret`)',
  }),
  auth0WebhookSecretArn: setting({
    env: 'AUTH0_WEBHOOK_SECRET_ARN',
    kind: kind.text(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/, 'a Secrets Manager secret ARN'),
    usedBy: ['management'],
    optional: true,
    meaning: 'the webhook token’s secret, for the function behind `POST /auth0/events`; the stack sets it',
  }),
  auth0WebhookToken: setting({
    env: 'AUTH0_WEBHOOK_TOKEN',
    kind: kind.text(/^\S{32,1024}$/, '32 to 1024 characters without spaces'),
    usedBy: ['local'],
    optional: true,
    meaning: 'under `npm start`: serve `POST /auth0/events` and accept this token from it (deployed, the stack generates one)',
  }),
} as const;
