import type { AccessTokens } from './access-token';
import type { AssertionSubject } from './assertion-signer';
import type { KeyFormat } from './key-format';
import type { Clock, KeyStore } from './key-store';
import { systemClock } from './key-store';
import { secretMatchesHash, type SecretComparison } from './secret-hash';
import type { Verdict } from './verdict';
import { VerdictCache } from './verdict-cache';
import { judgeKey, judgeToken, readPresentedCredential } from './verdict';

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
    const presented = readPresentedCredential(authorizationHeader, this.format, this.tokens?.marker);
    if (!presented.ok) {
      return { valid: false, code: presented.code }; // cheaper than a cache lookup, and keeps garbage out of it
    }
    // A well-formed credential came in a header, so there is one to key the cache by.
    const cacheKey = this.cache === undefined || authorizationHeader === undefined ? undefined : VerdictCache.keyOf(authorizationHeader);
    const cached = cacheKey === undefined ? undefined : this.cache?.get(cacheKey);
    if (cached !== undefined) {
      return cached;
    }
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
}
