import * as kind from '../kinds';
import { setting } from '../spec';

/** GitHub's public keys for secret scanning alerts (https://docs.github.com/en/code-security/secret-scanning/secret-scanning-partnership-program/secret-scanning-partner-program). */
export const GITHUB_SECRET_SCANNING_KEYS_URL = 'https://api.github.com/meta/public_keys/secret_scanning';

/** https anywhere; http only to this machine (tests, `npm start`), so a key document is never fetched in the clear over a network. */
const KEYS_URL_PATTERN = /^(https:\/\/[^\s/?#]+(\/\S*)?|http:\/\/(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(:\d{1,5})?(\/\S*)?)$/;

/** An EventBridge bus by name, or by ARN (another account's bus, whose policy lets this account put events). */
const EVENT_BUS_PATTERN = /^([A-Za-z0-9._-]{1,256}|arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[A-Za-z0-9._/-]{1,256})$/;

/** Leaked keys revoked from GitHub's alerts, and every key change published to EventBridge. */
export const EVENT_SETTINGS = {
  githubSecretScanningKeysUrl: setting({
    env: 'GITHUB_SECRET_SCANNING_KEYS_URL',
    kind: kind.text(KEYS_URL_PATTERN, 'an https:// URL (http:// only to 127.0.0.1 or [::1])'),
    usedBy: ['stack', 'management', 'local'],
    optional: true,
    shownDefault: `\`${GITHUB_SECRET_SCANNING_KEYS_URL}\`; under \`npm start\`, the development GitHub's`,
    meaning: "where `POST /secret-scanning/github` fetches the public keys that verify GitHub's signature on a secret scanning alert",
  }),
  eventBusName: setting({
    env: 'EVENT_BUS_NAME',
    kind: kind.text(EVENT_BUS_PATTERN, 'an EventBridge event bus name or ARN'),
    usedBy: ['stack', 'events'],
    optional: true,
    shownDefault: "the account's `default` bus",
    meaning:
      'the EventBridge bus every key change (`source` `user-api-keys`, `detail-type` `Key <type>`) and the daily expiry notice are published to',
  }),
  expiryNoticeDays: setting({
    env: 'EXPIRY_NOTICE_DAYS',
    kind: kind.integer(1, 90),
    usedBy: ['stack', 'events', 'local'],
    default: 7,
    meaning: 'once a day, a `Key expiring` event for each active key that expires within this many days',
  }),
  eventsFile: setting({
    env: 'EVENTS_FILE',
    kind: kind.text(/^.+$/, 'a file'),
    usedBy: ['local'],
    optional: true,
    shownDefault: 'unset: each event is printed as one log line',
    meaning: 'under `npm start`: append each lifecycle event to this file as one JSON line (NDJSON) instead of printing it',
  }),
} as const;
