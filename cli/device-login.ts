import { deviceLogin as clientDeviceLogin, type DeviceLoginOptions, type DeviceLoginResult } from '../client/device-login';
import { ApiError } from '../client/errors';
import { BRAND } from './brand';
import { CliError, EXIT } from './errors';

export type { DeviceLoginOptions, DeviceLoginResult, DevicePrompt } from '../client/device-login';

/** The client library's device flow (RFC 8628), its failures as CliErrors: the exit code, and what to run next. */
export async function deviceLogin(options: DeviceLoginOptions): Promise<DeviceLoginResult> {
  try {
    return await clientDeviceLogin(options);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    switch (error.code) {
      case 'LOGIN_EXPIRED':
        throw new CliError(`${error.message}: run ${BRAND.command} login again`, EXIT.auth, error.code);
      case 'LOGIN_REFUSED':
      case 'LOGIN_DENIED':
        throw new CliError(error.message, EXIT.auth, error.code);
      case 'INSECURE_ENDPOINT':
        // An identity provider the device code must not go to (plain http off this machine): a setting to fix.
        throw new CliError(error.message, EXIT.usage, error.code);
      case 'LOGIN_FAILED':
        throw new CliError(error.message, error.status !== undefined && error.status >= 500 ? EXIT.server : EXIT.auth, error.code);
      default:
        // The identity provider out of reach, a refused redirect.
        throw new CliError(error.message, EXIT.server, error.code);
    }
  }
}
