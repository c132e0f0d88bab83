import { KeySetLoader, type KeySetLoaderOptions } from '../domain/signing-key-loader';
import type { ActiveKey } from '../domain/signing-keys';
import { describeError, type AppLogger } from '../observability/logger';

/**
 * A deployed function's key set (the signing keys, or the access tokens' MAC
 * keys): its first load started now, in the init phase (a failure is retried
 * by the first use), and a failed hourly reload logged while the keys in hand
 * stay in use.
 */
export function primedKeySetLoader<S, K extends ActiveKey>(
  options: Pick<KeySetLoaderOptions<S, K>, 'load' | 'toKeys'>,
  logger: AppLogger,
): KeySetLoader<S, K> {
  const loader = new KeySetLoader({
    ...options,
    onRefreshError: (error) => {
      logger.warn('signing key reload failed; the keys in hand stay in use', describeError(error));
    },
  });
  loader.prime();
  return loader;
}
