import type { KeyFormat } from './key-format';
import type { Clock, KeyStore } from './key-store';
import { systemClock } from './key-store';
import type { Verdict } from './verdict';
import { judgeKey, readPresentedKey } from './verdict';

export interface KeyVerifierOptions {
  readonly store: Pick<KeyStore, 'getKey'>;
  readonly format: KeyFormat;
  readonly clock?: Clock;
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

  constructor(options: KeyVerifierOptions) {
    this.store = options.store;
    this.format = options.format;
    this.clock = options.clock ?? systemClock;
  }

  async verify(authorizationHeader: string | undefined): Promise<Verdict> {
    const presented = readPresentedKey(authorizationHeader, this.format);
    if (!presented.ok) {
      return { valid: false, code: presented.code };
    }
    const stored = await this.store.getKey(presented.keyId);
    return judgeKey(presented, stored, this.clock());
  }
}
