import { DEFAULT_KEY_CREATION_THROTTLE } from '../../api-definition';
import * as kind from '../kinds';
import { setting } from '../spec';

/**
 * Running the deployed system: who hears the alarms, and the budget of the
 * routes that create keys. lib/user-api-keys-config.ts refuses `alarmEmail`
 * together with `alarmTopicArn`.
 */
export const OPERATIONS_SETTINGS = {
  alarmEmail: setting({
    env: 'ALARM_EMAIL',
    // SNS checks the address itself; this catches a value that is plainly not one (a list, a name, a stray space).
    kind: kind.text(/^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/, 'one email address such as ops@example.com'),
    usedBy: ['stack'],
    optional: true,
    meaning:
      'an address every alarm mails: the stack creates an encrypted SNS topic and subscribes it (confirm the email SNS sends); or `alarmTopicArn`, not both; with neither, synth warns and alarms notify nobody',
  }),
  keyCreationRateLimit: setting({
    env: 'KEY_CREATION_RATE_LIMIT',
    // API Gateway's own account-wide default is 10,000 requests per second.
    kind: kind.integer(1, 10_000),
    usedBy: ['stack', 'local'],
    default: DEFAULT_KEY_CREATION_THROTTLE.rateLimit,
    meaning:
      'a ceiling, in requests per second, for `POST /keys`, and separately for `POST /keys/{id}/rotate` and for `POST /oauth/token`, all callers together (counted before authorization); the stage and `npm start`\'s gateway answer 429 `{"message":"Too Many Requests"}` beyond it. Each owner\'s own, fair budget is `OWNER_KEY_CREATION_RATE`',
  }),
  keyCreationBurstLimit: setting({
    env: 'KEY_CREATION_BURST_LIMIT',
    kind: kind.integer(1, 5_000),
    usedBy: ['stack', 'local'],
    default: DEFAULT_KEY_CREATION_THROTTLE.burstLimit,
    meaning: 'the burst those three routes each absorb above `KEY_CREATION_RATE_LIMIT`',
  }),
} as const;
