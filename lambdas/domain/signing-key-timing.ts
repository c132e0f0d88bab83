/**
 * How long a warm authorizer holds its signing keys: SigningKeyLoader's
 * defaults, which the deployed signer uses (lambdas/runtime/signer-wiring.ts).
 * In a module of their own so the key set's pruning (signing-keys.ts) reads
 * the same numbers without an import cycle with the loader.
 */

/** A warm instance reloads the key set in the background once its keys are this old. */
export const DEFAULT_REFRESH_AFTER_MS = 60 * 60 * 1000;

/** Keys not reloaded for this long are no longer used: the instance waits for a reload (and fails closed). */
export const DEFAULT_MAX_AGE_MS = 6 * 60 * 60 * 1000;
