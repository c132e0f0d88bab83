import { MAX_ACCESS_TOKEN_LENGTH, type AccessTokens } from './access-token';
import type { AssertionSubject } from './assertion-signer';
import type { KeyFormat } from './key-format';
import type { Clock, KeyStore } from './key-store';
import { systemClock } from './key-store';
import { secretMatchesHash, type SecretComparison } from './secret-hash';
import type { Verdict } from './verdict';
import { VerdictCache } from './verdict-cache';
import { judgeKey, judgeToken, readPresentedCredential } from './verdict';

/**
 * The longest header whose verdict is cached: `Bearer ` and an access token
 * (MAX_ACCESS_TOKEN_LENGTH), or a Basic pair, fit well inside; a longer one
 * is refused by the parser, without hashing kilobytes of it first.
 */
const MAX_CACHED_HEADER_LENGTH = MAX_ACCESS_TOKEN_LENGTH + 64;

export interface KeyVerifierOptions {
  readonly store: Pick<KeyStore, 'getKey'>;
  readonly format: KeyFormat;
  readonly clock?: Clock | undefined;
  /** Verdicts for well-formed keys, reused for a bounded time (see VerdictCache). */
  readonly cache?: VerdictCache;
  /** The secret comparison (the constant-time one by default); injectable so tests can observe it. */
  readonly compare?: SecretComparison | undefined;
  /**
   * Signs each fresh allow's identity assertion, before it is cached: once per
   * cached verdict, not per request. A rejection (no signing key) propagates,
   * so nothing is cached and the caller fails closed.
   */
  readonly assertions?: { issue(subject: AssertionSubject): Promise<string> } | undefined;
  /** Access tokens from `POST /oauth/token`; without them a token is refused as MALFORMED. */
  readonly tokens?: Pick<AccessTokens, 'marker' | 'check'> | undefined;
}

/**
 * Turns an Authorization header into a verdict. Malformed or mistyped keys are
 * refused before any database read; store faults propagate as exceptions so
 * the caller fails closed.
 */
export class KeyVerifier {
  private readonly store: Pick<KeyStore, 'getKey'>;
  private readonly format: KeyFormat;
  private readonly clock: Clock;
  private readonly cache: VerdictCache | undefined;
  private readonly compare: SecretComparison;
  private readonly assertions: KeyVerifierOptions['assertions'];
  private readonly tokens: KeyVerifierOptions['tokens'];

  constructor(options: KeyVerifierOptions) {
    this.store = options.store;
    this.format = options.format;
    this.clock = options.clock ?? systemClock;
    this.cache = options.cache?.enabled ? options.cache : undefined;
    this.compare = options.compare ?? secretMatchesHash;
    this.assertions = options.assertions;
    this.tokens = options.tokens;
  }

  async verify(authorizationHeader: string | undefined): Promise<Verdict> {
    // The cache first: a hit means this very header was parsed and judged before, so a repeat costs one
    // hash and one lookup. Only a well-formed credential is ever cached, so garbage always misses.
    const cacheKey = this.cacheKeyOf(authorizationHeader);
    const cached = cacheKey === undefined ? undefined : this.cache?.find(cacheKey);
    if (cached !== undefined) {
      return cached;
    }
    const presented = readPresentedCredential(authorizationHeader, this.format, this.tokens?.marker);
    if (!presented.ok) {
      return { valid: false, code: presented.code }; // never cached: garbage would only crowd out real verdicts
    }
    if (cacheKey !== undefined) this.cache?.countMiss();
    let judged: Verdict;
    let validUntilMs: number | undefined;
    if ('token' in presented) {
      const checked = await this.tokens?.check(presented.token, this.clock().getTime());
      // A forged or expired token is refused with no read, and not cached (it would only crowd out real verdicts).
      if (checked === undefined) return { valid: false, code: 'MALFORMED' };
      if (!checked.ok) return { valid: false, code: checked.code, ...(checked.keyId !== undefined ? { keyId: checked.keyId } : {}) };
      const stored = await this.store.getKey(checked.claims.keyId);
      judged = judgeToken(checked.claims, stored, this.clock());
      validUntilMs = Math.min(checked.claims.expiresAt, stored?.expiresAt ?? Number.POSITIVE_INFINITY) * 1000;
    } else {
      const stored = await this.store.getKey(presented.keyId);
      judged = judgeKey(presented, stored, this.clock(), this.compare);
      validUntilMs = stored === undefined ? undefined : stored.expiresAt * 1000;
    }
    const verdict: Verdict =
      judged.valid && this.assertions !== undefined
        ? { ...judged, assertion: await this.assertions.issue({ sub: judged.ownerId, keyId: judged.keyId, scopes: judged.scopes }) }
        : judged;
    if (cacheKey !== undefined) {
      this.cache?.set(cacheKey, verdict, validUntilMs);
    }
    return verdict;
  }

  /** No cache, no header, or one longer than any credential this system issues (MAX_CACHED_HEADER_LENGTH): no lookup. */
  private cacheKeyOf(header: string | undefined): string | undefined {
    if (this.cache === undefined || header === undefined || header.length > MAX_CACHED_HEADER_LENGTH) return undefined;
    return VerdictCache.keyOf(header);
  }
}
