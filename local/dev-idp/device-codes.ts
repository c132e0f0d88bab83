import { randomBytes } from 'node:crypto';
import { FailureBudget } from './failure-budget';
import { normaliseUserCode, formatUserCode, randomUserCode } from './user-codes';

/**
 * The device-code half of the OAuth 2.0 Device Authorization Grant (RFC 8628)
 * as Auth0 serves it, without HTTP: codes are issued, polled, and approved or
 * denied by user code, on an injected clock. Codes live in memory only.
 *
 * Guessing user codes is limited twice over. Every attempt to decide a code
 * that decides nothing (an unknown, expired, decided or locked code) is a
 * wrong code. Each costs one from a budget shared by all callers (10 a minute
 * by default; once spent, every attempt is refused, right codes included, so
 * a guess gets no answer until the window ends). And each counts against the
 * waiting codes it could have been aimed at: those sharing its first four
 * letters (once normalised: upper case, no dash or spaces). A code that has
 * waited through 5 of those locks: it can no longer be approved, and its
 * client's poll answers access_denied.
 *
 * So a mistyped code (a letter wrong in the second half), or guesses at a
 * code whose first half is known, lock that code after 5, while a wrong code
 * sharing no code's first half locks nothing: neither one person's typos nor
 * a stranger's random guesses lock anyone else's login. Random guesses are
 * held back by the budget alone: each has a 1 in 20^8 chance (about 4 in
 * 10^11) of being a given waiting code, and by default at most 110 fit in a
 * code's 10 minutes (the 11 windows it can overlap). A guesser who knows a
 * code's first half has 5 tries in 20^4 (about 3 in 10^5). A typo in the
 * first half counts against no code: the price of not charging every code
 * for every guess.
 */

export const DEFAULT_DEVICE_CODE_LIFETIME_SECONDS = 600;
export const DEFAULT_DEVICE_POLL_INTERVAL_SECONDS = 5;
export const DEFAULT_MAX_DEVICE_CODES = 1000;
export const DEFAULT_MAX_WRONG_CODES_PER_WINDOW = 10;
export const DEFAULT_WRONG_CODE_WINDOW_SECONDS = 60;
export const DEFAULT_LOCK_AFTER_WRONG_CODES = 5;
/** Longest client_id or user id accepted. */
export const MAX_FIELD_LENGTH = 256;
/** A wrong code counts against the waiting codes that share this many first letters. */
const FIRST_HALF_LENGTH = 4;

export interface DeviceCodeStoreOptions {
  /** How long a device code stays usable (`expires_in`); default 600. */
  readonly deviceCodeLifetimeSeconds?: number | undefined;
  /** The polling interval a client must keep (`interval`); default 5, 0 turns slow_down off. */
  readonly devicePollIntervalSeconds?: number | undefined;
  /** Most codes held at once (default 1000); beyond that, issue answers `full`. */
  readonly maxDeviceCodes?: number | undefined;
  /** Wrong codes accepted from all callers in one window (default 10); beyond, attempts are throttled. */
  readonly maxWrongCodesPerWindow?: number | undefined;
  /** The length of that window (default 60). */
  readonly wrongCodeWindowSeconds?: number | undefined;
  /** Wrong codes sharing its first four letters that a waiting code survives (default 5); at that many it locks. */
  readonly lockAfterWrongCodes?: number | undefined;
  /** Milliseconds since the epoch; default Date.now. */
  readonly now?: (() => number) | undefined;
  /** Draws a normalised user code; default random (tests force collisions). */
  readonly randomUserCode?: (() => string) | undefined;
}

export interface DeviceCodeRequest {
  readonly clientId: string;
  /** The audience the token will carry. */
  readonly audience: string;
  readonly scope?: string | undefined;
}

export interface IssuedDeviceCode {
  readonly deviceCode: string;
  /** As shown to people: `BCDF-GHJK`. */
  readonly userCode: string;
  readonly expiresInSeconds: number;
  readonly intervalSeconds: number;
}

export type IssueOutcome = { readonly outcome: 'issued'; readonly code: IssuedDeviceCode } | { readonly outcome: 'full' };

/** The RFC 8628 (and RFC 6749) error codes a poll can answer. */
export type PollRefusal = 'invalid_grant' | 'expired_token' | 'slow_down' | 'authorization_pending' | 'access_denied';

export type PollOutcome =
  | { readonly outcome: 'granted'; readonly user: string; readonly audience: string; readonly scope: string | undefined }
  | { readonly outcome: PollRefusal }
  /** Refused because too many wrong codes were entered while it waited. */
  | { readonly outcome: 'access_denied'; readonly locked: true };

/**
 * An attempt to approve or deny by user code: `decided`; `unknown` (unknown,
 * expired or already decided); `locked`; or `throttled` (the wrong-code
 * budget is spent, the code was not even looked up).
 */
export type ActivationOutcome =
  { readonly outcome: 'decided' | 'unknown' | 'locked' } | { readonly outcome: 'throttled'; readonly retryAfterSeconds: number };

/** What an activation decides: approve as a user, or deny. */
export type ActivationDecision = { readonly status: 'approved'; readonly user: string } | { readonly status: 'denied' };

type Decision = { readonly status: 'pending' } | ActivationDecision;

interface DeviceAuthorization {
  readonly deviceCode: string;
  /** Normalised: 8 letters, no dash. */
  readonly userCode: string;
  readonly request: DeviceCodeRequest;
  readonly expiresAt: number;
  lastPollAt: number | undefined;
  decision: Decision;
  /** Wrong codes entered while this code waited that share its first half. */
  wrongCodes: number;
}

/** A user id a token may be issued for: 1-256 characters. */
export function isValidUser(user: string | undefined): user is string {
  return user !== undefined && user.length >= 1 && user.length <= MAX_FIELD_LENGTH;
}

export class DeviceCodeStore {
  readonly lifetimeSeconds: number;
  readonly pollIntervalSeconds: number;
  readonly maxCodes: number;
  readonly lockAfterWrongCodes: number;
  private readonly now: () => number;
  private readonly randomUserCode: () => string;
  /** By device code; `byUserCode` maps normalised user codes to the same entries. */
  private readonly byDeviceCode = new Map<string, DeviceAuthorization>();
  private readonly byUserCode = new Map<string, DeviceAuthorization>();
  private readonly wrongCodeBudget: FailureBudget;

  constructor(options: DeviceCodeStoreOptions = {}) {
    this.lifetimeSeconds = options.deviceCodeLifetimeSeconds ?? DEFAULT_DEVICE_CODE_LIFETIME_SECONDS;
    this.pollIntervalSeconds = options.devicePollIntervalSeconds ?? DEFAULT_DEVICE_POLL_INTERVAL_SECONDS;
    this.maxCodes = options.maxDeviceCodes ?? DEFAULT_MAX_DEVICE_CODES;
    this.lockAfterWrongCodes = options.lockAfterWrongCodes ?? DEFAULT_LOCK_AFTER_WRONG_CODES;
    const maxWrongCodes = options.maxWrongCodesPerWindow ?? DEFAULT_MAX_WRONG_CODES_PER_WINDOW;
    const windowSeconds = options.wrongCodeWindowSeconds ?? DEFAULT_WRONG_CODE_WINDOW_SECONDS;
    if (!Number.isInteger(this.lifetimeSeconds) || this.lifetimeSeconds < 1) {
      throw new Error('deviceCodeLifetimeSeconds must be a positive integer');
    }
    if (!Number.isInteger(this.pollIntervalSeconds) || this.pollIntervalSeconds < 0) {
      throw new Error('devicePollIntervalSeconds must be a non-negative integer');
    }
    if (!Number.isInteger(this.maxCodes) || this.maxCodes < 1) {
      throw new Error('maxDeviceCodes must be a positive integer');
    }
    for (const [name, value] of [
      ['lockAfterWrongCodes', this.lockAfterWrongCodes],
      ['maxWrongCodesPerWindow', maxWrongCodes],
      ['wrongCodeWindowSeconds', windowSeconds],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
    }
    this.wrongCodeBudget = new FailureBudget(maxWrongCodes, windowSeconds * 1000);
    this.now = options.now ?? Date.now;
    this.randomUserCode = options.randomUserCode ?? randomUserCode;
  }

  /** How many codes are held, expired ones not yet pruned included. */
  get size(): number {
    return this.byDeviceCode.size;
  }

  /** A new pending code, or `full` while `maxCodes` unexpired codes are held. */
  issue(request: DeviceCodeRequest): IssueOutcome {
    const at = this.now();
    this.dropLongExpired(at);
    if (this.byDeviceCode.size >= this.maxCodes) this.dropExpired(at);
    if (this.byDeviceCode.size >= this.maxCodes) return { outcome: 'full' };
    const entry: DeviceAuthorization = {
      deviceCode: randomBytes(32).toString('base64url'),
      userCode: this.unusedUserCode(),
      request,
      expiresAt: at + this.lifetimeSeconds * 1000,
      lastPollAt: undefined,
      decision: { status: 'pending' },
      wrongCodes: 0,
    };
    this.byDeviceCode.set(entry.deviceCode, entry);
    this.byUserCode.set(entry.userCode, entry);
    return {
      outcome: 'issued',
      code: {
        deviceCode: entry.deviceCode,
        userCode: formatUserCode(entry.userCode),
        expiresInSeconds: this.lifetimeSeconds,
        intervalSeconds: this.pollIntervalSeconds,
      },
    };
  }

  /**
   * A client's poll for its code. Every poll of a known, unexpired code
   * restarts the interval, a refused one included. An approved code grants
   * once, then is forgotten.
   */
  poll(deviceCode: string, clientId: string): PollOutcome {
    const at = this.now();
    this.dropLongExpired(at);
    const entry = this.byDeviceCode.get(deviceCode);
    if (entry?.request.clientId !== clientId) return { outcome: 'invalid_grant' };
    if (at >= entry.expiresAt) return { outcome: 'expired_token' };
    const lastPollAt = entry.lastPollAt;
    entry.lastPollAt = at;
    if (lastPollAt !== undefined && at - lastPollAt < this.pollIntervalSeconds * 1000) return { outcome: 'slow_down' };
    const { decision } = entry;
    if (this.isLocked(entry)) return { outcome: 'access_denied', locked: true };
    if (decision.status === 'pending') return { outcome: 'authorization_pending' };
    if (decision.status === 'denied') return { outcome: 'access_denied' };
    this.forget(entry);
    return { outcome: 'granted', user: decision.user, audience: entry.request.audience, scope: entry.request.scope };
  }

  /**
   * Approves a pending user code (any case, with or without the dash) as
   * `user`. False when the code is unknown, expired or already decided, or
   * when `user` is not 1-256 characters.
   */
  approve(userCode: string, user: string): boolean {
    if (!isValidUser(user)) return false;
    return this.activate(userCode, { status: 'approved', user }).outcome === 'decided';
  }

  /** Denies a pending user code; false when it is unknown, expired or already decided. */
  deny(userCode: string): boolean {
    return this.activate(userCode, { status: 'denied' }).outcome === 'decided';
  }

  /**
   * Approves or denies a pending user code (any case, with or without the
   * dash), within the wrong-code limits described above. The caller checks
   * the user id first (`isValidUser`): a bad one is no guess.
   */
  activate(userCode: string, decision: ActivationDecision): ActivationOutcome {
    const at = this.now();
    const blockedMs = this.wrongCodeBudget.blockedForMs(at);
    if (blockedMs > 0) return { outcome: 'throttled', retryAfterSeconds: Math.ceil(blockedMs / 1000) };
    this.dropLongExpired(at);
    const code = normaliseUserCode(userCode);
    const entry = this.byUserCode.get(code);
    const waiting = entry?.decision.status === 'pending' && at < entry.expiresAt ? entry : undefined;
    if (waiting === undefined || this.isLocked(waiting)) {
      this.chargeWrongCode(code);
      this.wrongCodeBudget.recordFailure(at);
      return { outcome: waiting === undefined ? 'unknown' : 'locked' };
    }
    waiting.decision = decision;
    return { outcome: 'decided' };
  }

  /**
   * Counts a wrong code (normalised) against every pending code it could
   * have been aimed at: those sharing its first four letters. Shorter input
   * shares no code's first half, so counts against none.
   */
  private chargeWrongCode(code: string): void {
    if (code.length < FIRST_HALF_LENGTH) return;
    const firstHalf = code.slice(0, FIRST_HALF_LENGTH);
    for (const entry of this.byDeviceCode.values()) {
      if (entry.decision.status === 'pending' && entry.userCode.startsWith(firstHalf)) entry.wrongCodes += 1;
    }
  }

  /** A pending code that has waited through too many wrong codes aimed at it. */
  private isLocked(entry: DeviceAuthorization): boolean {
    return entry.decision.status === 'pending' && entry.wrongCodes >= this.lockAfterWrongCodes;
  }

  private unusedUserCode(): string {
    for (;;) {
      const code = this.randomUserCode();
      if (!this.byUserCode.has(code)) return code;
    }
  }

  private forget(entry: DeviceAuthorization): void {
    this.byDeviceCode.delete(entry.deviceCode);
    if (this.byUserCode.get(entry.userCode) === entry) this.byUserCode.delete(entry.userCode);
  }

  /** Drops every expired code (to make room). */
  private dropExpired(at: number): void {
    for (const entry of this.byDeviceCode.values()) if (at >= entry.expiresAt) this.forget(entry);
  }

  /**
   * Drops codes expired for longer than their lifetime. Until then a poll
   * still answers expired_token rather than invalid_grant.
   */
  private dropLongExpired(at: number): void {
    const graceMs = this.lifetimeSeconds * 1000;
    for (const entry of this.byDeviceCode.values()) if (at >= entry.expiresAt + graceMs) this.forget(entry);
  }
}
