import { isExpired } from './api-key';
import { auditEvent, type Caller } from './audit-event';
import type { KeyFormat } from './key-format';
import { revokedPurgeAt, type KeyPolicy } from './key-policy';
import { systemClock, type Clock, type KeyStore } from './key-store';
import type { LeakMatch } from './leak-report';
import { mapBounded } from './map-bounded';
import { DUMMY_SECRET_HASH, hashSecret, secretMatchesHash } from './secret-hash';

/** The actor of a revocation GitHub's alert caused, in the key's audit trail and its lifecycle event. */
export const LEAK_ACTOR = 'github:secret-scanning';
/** Matches checked at once: 50 take about 7 rounds of DynamoDB calls, far inside the function's timeout, without a burst on the table. */
export const LEAK_CONCURRENCY = 8;

/**
 * GitHub's feedback labels: "whether the token is a true ("true_positive")
 * or a false positive ("false_positive")", i.e. "whether the detected token
 * was a real or false credential" (partner program, "Provide feedback for
 * false positives":
 * https://docs.github.com/en/code-security/secret-scanning/secret-scanning-partnership-program/secret-scanning-partner-program).
 * Here (issue 16) true_positive means "a key that could still work, now
 * revoked"; a key already revoked or expired is answered false_positive,
 * though by the docs' wording it was a real credential once.
 */
export type LeakLabel = 'true_positive' | 'false_positive';

/**
 * - `revoked`: ours, live (active, disabled, or rotated and still in its grace period), now revoked
 * - `already-revoked`: ours, revoked before (a repeated alert, or its owner's doing)
 * - `expired`: ours, past its expiry (or its rotation's grace period): it cannot work again
 * - `unknown-key`: our format and checksum, but no such key (purged, or never made)
 * - `wrong-secret`: a real key id with a secret that is not the key's (a forgery, or a mangled copy)
 * - `not-ours`: another prefix, a bad checksum, or not a key at all
 */
export type LeakOutcome = 'revoked' | 'already-revoked' | 'expired' | 'unknown-key' | 'wrong-secret' | 'not-ours';

export interface LeakResult {
  readonly outcome: LeakOutcome;
  readonly label: LeakLabel;
  /** SHA-256 of the token, hex: GitHub's feedback names the token by it, never by the token itself. */
  readonly tokenHash: string;
  readonly tokenType: string;
  /** Set when the token has our format and checksum; the id is public, and all a log may name. */
  readonly keyId?: string;
}

export interface LeakRevocationOptions {
  readonly store: Pick<KeyStore, 'getKey' | 'revokeKey'>;
  readonly format: KeyFormat;
  readonly policy: Pick<KeyPolicy, 'auditRetentionDays' | 'revokedRetentionDays'>;
  readonly clock?: Clock | undefined;
  readonly concurrency?: number | undefined;
}

type Judgement = Omit<LeakResult, 'tokenType'>;

/** Where the alert came from, as API Gateway saw it: kept in each revocation's audit event. */
export type LeakOrigin = Pick<Caller, 'sourceIp' | 'userAgent'>;

/**
 * Revokes the keys a secret scanning alert found in public. A token revokes
 * a key only when it is the whole key: our format, a good checksum, and the
 * secret whose hash is stored (compared in constant time), so a forged token
 * carrying a real, public key id revokes nothing. Each revocation is written
 * with its `leak_revoke` event (url and source, never the token) by the
 * store's revoke, which answers `already-revoked` to a repeat: an alert GitHub
 * sends again changes nothing and records nothing more.
 *
 * A fault (the store failing) rejects the whole call, once the checks in
 * flight end: the alert is answered 503 and handled again when sent again.
 */
export class LeakRevocation {
  private readonly store: LeakRevocationOptions['store'];
  private readonly format: KeyFormat;
  private readonly policy: LeakRevocationOptions['policy'];
  private readonly clock: Clock;
  private readonly concurrency: number;

  constructor(options: LeakRevocationOptions) {
    this.store = options.store;
    this.format = options.format;
    this.policy = options.policy;
    this.clock = options.clock ?? systemClock;
    this.concurrency = options.concurrency ?? LEAK_CONCURRENCY;
  }

  /** One result per match, in the matches' order; a token sent twice is judged once and answered alike. */
  async revokeAll(matches: readonly LeakMatch[], origin: LeakOrigin = {}): Promise<LeakResult[]> {
    const firsts = new Map<string, LeakMatch>();
    for (const match of matches) if (!firsts.has(match.token)) firsts.set(match.token, match);
    const judged = await mapBounded([...firsts.values()], this.concurrency, async (match) => {
      return [match.token, await this.judge(match, origin)] as const;
    });
    const byToken = new Map(judged);
    return matches.map((match) => {
      const judgement = byToken.get(match.token);
      if (judgement === undefined) throw new Error('A match was left unjudged'); // cannot happen: every token was judged
      return { ...judgement, tokenType: match.type };
    });
  }

  private async judge(match: LeakMatch, origin: LeakOrigin): Promise<Judgement> {
    // GitHub's token_hash is the token's SHA-256 in hex: the very digest a key's secret is stored as.
    const tokenHash = hashSecret(match.token);
    const parsed = this.format.parse(match.token);
    if (!parsed.ok) return { outcome: 'not-ours', label: 'false_positive', tokenHash };
    const { keyId, secret } = parsed.key;
    const falsePositive = (outcome: LeakOutcome): Judgement => ({ outcome, label: 'false_positive', tokenHash, keyId });
    const key = await this.store.getKey(keyId);
    if (!secretMatchesHash(secret, key?.secretHash ?? DUMMY_SECRET_HASH) || key === undefined) {
      return falsePositive(key === undefined ? 'unknown-key' : 'wrong-secret');
    }
    if (key.revokedAt !== undefined) return falsePositive('already-revoked');
    const now = this.clock();
    if (isExpired(key.expiresAt, now)) return falsePositive('expired');
    const { url, source } = match;
    const event = auditEvent({ sub: LEAK_ACTOR, ...origin }, key, 'leak_revoke', now, this.policy.auditRetentionDays, { url, source });
    const result = await this.store.revokeKey(key.ownerId, keyId, now, event, revokedPurgeAt(this.policy, now), {
      cause: 'leaked',
      url,
      source,
    });
    switch (result.outcome) {
      case 'written':
        return { outcome: 'revoked', label: 'true_positive', tokenHash, keyId };
      case 'already-revoked':
        return falsePositive('already-revoked'); // an identical alert, handled at the same moment
      case 'not-found':
        return falsePositive('unknown-key'); // purged since the read
    }
  }
}
