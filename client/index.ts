/**
 * @user-api-keys/user-api-keys-client: log a user in (OAuth device flow), then create, list, rotate
 * and revoke their API keys, exchange a key for an access token, and keep a key on disk. Node.js
 * only: no dependencies. Every failure is an ApiError (or a KeyStoreError) with a typed `code`.
 */
export { deviceLogin, type DeviceLoginOptions, type DeviceLoginResult, type DevicePrompt } from './device-login';
export {
  ApiError,
  isApiError,
  type ApiErrorCode,
  type ApiErrorDetails,
  type ErrorCode,
  type HttpStatusErrorCode,
  type LoginErrorCode,
  type OAuthErrorCode,
  type ServerErrorCode,
  type TransportErrorCode,
} from './errors';
export { exchangeKey, type ExchangeKeyOptions } from './exchange-key';
export { RETRY_POLICY, type FetchInit, type FetchLike, type FetchResponse, type FetchSignal } from './http';
export { KeyStore, KeyStoreError, type KeyStoreErrorCode, type KeyStoreOptions, type SavedKey } from './key-store';
export { DEFAULT_USER_AGENT, KeysClient, type KeysClientOptions } from './keys-client';
export { retryAfterSeconds } from './retry-after';
export type * from './types';
