import type {
  AdminKeyPageBody,
  CreatedKeyBody,
  EventPageBody,
  JwksBody,
  KeyPageBody,
  KeyViewBody,
  LeakFeedbackBody,
  RotatedKeyBody,
  WebhookResultsBody,
  WhoamiBody,
} from '../http/response-schemas';

/**
 * One realistic answer per route, typed by the same schemas (a wrong example does not compile; the unit tests
 * validate each against the document as well). The key is the README's.
 */
const KEY_ID = '3hF9k2LmQpX7rT1wZbYcQe';
const NEW_KEY_ID = '7QeL0bN2xVtY9sKdHcFa1R';
const KEY = `uak_${KEY_ID}_tW9dlnICVrL17xsmjzc2j2pOwBrLrlrStgJfh49MxnG2VlCqd`;
const NEW_KEY = `uak_${NEW_KEY_ID}_Zb8pN3qRxT6vW1yA4cE7gJ0kM9nP2sU5wX8zB1dF4h7Km2`;

export const EXAMPLE_KEY_ID = KEY_ID;

export const keyViewExample: KeyViewBody = {
  id: KEY_ID,
  name: 'my script',
  scopes: ['read'],
  createdAt: '2026-01-15T09:30:00.000Z',
  expiresAt: '2026-04-15T09:30:00.000Z',
  status: 'active',
  enabled: true,
  lastUsedAt: '2026-01-20T14:02:00.000Z',
};

export const keyPageExample: KeyPageBody = { keys: [keyViewExample], nextCursor: 'eyJrIjoiM2hGOWsyTG1RcFg3clQxd1piWWNRZSJ9' };

export const adminKeyPageExample: AdminKeyPageBody = { keys: [keyViewExample], auth0: { blocked: false } };

export const createdKeyExample: CreatedKeyBody = {
  id: KEY_ID,
  key: KEY,
  name: 'my script',
  scopes: ['read'],
  createdAt: '2026-01-15T09:30:00.000Z',
  expiresAt: '2026-04-15T09:30:00.000Z',
};

export const rotatedKeyExample: RotatedKeyBody = {
  id: NEW_KEY_ID,
  key: NEW_KEY,
  name: 'my script',
  scopes: ['read'],
  createdAt: '2026-02-01T08:00:00.000Z',
  expiresAt: '2026-04-15T09:30:00.000Z',
  rotatedFrom: KEY_ID,
  replaced: { id: KEY_ID, expiresAt: '2026-02-01T09:00:00.000Z' },
};

export const eventPageExample: EventPageBody = {
  events: [
    {
      type: 'rename',
      actor: 'auth0|65f0c2a1b3',
      at: '2026-01-16T10:00:00.000Z',
      sourceIp: '203.0.113.7',
      userAgent: 'apikey/0.1.0',
      details: { from: 'script', to: 'my script' },
    },
    { type: 'create', actor: 'auth0|65f0c2a1b3', at: '2026-01-15T09:30:00.000Z', sourceIp: '203.0.113.7', userAgent: 'curl/8.5.0' },
  ],
};

export const whoamiExample: WhoamiBody = {
  sub: 'auth0|65f0c2a1b3',
  keyId: KEY_ID,
  scopes: ['read'],
  assertion: { verified: true, kid: 'a1b2c3d4e5f6' },
};

export const jwksExample: JwksBody = {
  keys: [
    {
      kty: 'EC',
      crv: 'P-256',
      x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
      y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
      kid: 'a1b2c3d4e5f6',
      alg: 'ES256',
      use: 'sig',
    },
  ],
};

export const leakFeedbackExample: LeakFeedbackBody = [
  { token_hash: '0b5d0f6c1f9d52c2e4d1f8e7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7', token_type: 'user_api_key', label: 'true_positive' },
];

export const webhookResultsExample: WebhookResultsBody = {
  results: [{ result: 'revoked', change: 'revoke', sub: 'auth0|65f0c2a1b3', keys: 2, eventId: 'evt_01HZX3' }],
};

export const EXAMPLE_KEY = KEY;
