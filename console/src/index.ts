/**
 * `user-api-keys.js`: the drop-in element. Importing it defines `<user-api-keys>` (unless the
 * page already has one); the class and its error type are exported for hosts that extend or test it.
 */
import { defineUserApiKeys } from './user-api-keys';

export { ApiError, KeysApiClient, type AccessTokenProvider } from './api';
export type { ConsoleConfig, CreatedKey, KeyEvent, KeyStatus, KeyView, RotatedKey } from './types';
export { defineUserApiKeys, TAG_NAME, UNAUTHORIZED_EVENT, UserApiKeys } from './user-api-keys';

defineUserApiKeys();
