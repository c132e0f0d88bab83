import { createHash, timingSafeEqual } from 'node:crypto';
import { AuthenticationError } from '../domain/errors';

/** Where the webhook's shared token comes from: a Secrets Manager secret deployed, a setting under `npm start`. */
export interface WebhookTokenSource {
  current(): Promise<string>;
}

const BEARER = /^Bearer (\S{1,1024})$/i;
const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Auth0's Event Streams send the token set on the stream's webhook
 * destination as `Authorization: Bearer <token>`
 * (https://auth0.com/docs/customize/events/create-an-event-stream). Compared
 * in constant time (of the digests, so the length leaks nothing either).
 */
export async function checkWebhookToken(source: WebhookTokenSource, authorization: string | undefined): Promise<void> {
  const presented = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
  if (presented === undefined) throw new AuthenticationError('Send the stream’s token: Authorization: Bearer <token>', 'MISSING_TOKEN');
  const expected = await source.current();
  if (!timingSafeEqual(digest(presented), digest(expected))) throw new AuthenticationError('The webhook token is not this stream’s');
}

/** The secret's value, read once and again at most every `maxAgeMs` (so a rotated token is picked up within it). */
export class CachedWebhookToken implements WebhookTokenSource {
  private value?: { readonly token: string; readonly readAt: number };

  constructor(
    private readonly read: () => Promise<string>,
    private readonly maxAgeMs = 300_000,
    private readonly now: () => number = Date.now,
  ) {}

  async current(): Promise<string> {
    if (this.value === undefined || this.now() - this.value.readAt > this.maxAgeMs) {
      const token = await this.read();
      if (token.length < 32) throw new Error('The webhook token secret holds no usable token');
      this.value = { token, readAt: this.now() };
    }
    return this.value.token;
  }
}
