/**
 * The brand `npm run build:cli` bakes into the package: from flags, or a JSON file, or
 * both (flags win), over the local system's defaults; checked by the rules the CLI itself
 * applies at run time, so a package never ships a default it would refuse.
 */
import { readFileSync } from 'node:fs';
import { LOCAL_BRAND, type Brand } from '../cli/brand';
import { CliError } from '../cli/errors';
import { authUrlFrom, endpointFrom } from '../cli/settings';

/** A setting the build cannot use: the message names it and where it came from. */
export class BrandError extends Error {
  override readonly name = 'BrandError';
}

export type BrandInput = Partial<Record<keyof Brand, string>>;

const FIELDS: readonly (keyof Brand)[] = ['command', 'endpoint', 'authDomain', 'clientId', 'audience'];

/** The flag that sets each field. */
export const BRAND_FLAGS: Record<keyof Brand, string> = {
  command: '--command',
  endpoint: '--endpoint',
  authDomain: '--auth-domain',
  clientId: '--client-id',
  audience: '--audience',
};

/** A brand file: a JSON object with some of the fields, as strings, and nothing else. */
export function readBrandFile(path: string): BrandInput {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new BrandError(`--brand ${path}: not a readable JSON file (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BrandError(`--brand ${path}: not a JSON object`);
  const input: BrandInput = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      throw new BrandError(`--brand ${path}: unknown field "${key}" (the fields are ${FIELDS.join(', ')})`);
    }
    if (typeof value !== 'string') throw new BrandError(`--brand ${path}: "${key}" must be a string`);
    input[key as keyof Brand] = value;
  }
  return input;
}

/** A command name that is also a safe file name and npm package name: `apikey`, `acme-keys`. */
const COMMAND_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** Names whose global install would shadow or replace the tools a user installs it with. */
const RESERVED_COMMANDS = new Set(['node', 'npm', 'npx', 'corepack', 'pnpm', 'pnpx', 'yarn', 'bun', 'deno', 'git', 'sh', 'bash']);

/** Where the CLI points: all four or none, so a brand never ships half the local system's defaults. */
const CONNECTION_FIELDS: readonly (keyof Brand)[] = ['endpoint', 'authDomain', 'clientId', 'audience'];

/** The brand: flags over the file over the local defaults, each field checked. */
export function resolveBrand(flags: BrandInput, file: BrandInput = {}, fileName = 'the brand file'): Brand {
  const pick = (field: keyof Brand): { value: string; from: string } => {
    const flag = flags[field];
    if (flag !== undefined) return { value: flag, from: BRAND_FLAGS[field] };
    const fromFile = file[field];
    if (fromFile !== undefined) return { value: fromFile, from: `"${field}" in ${fileName}` };
    return { value: LOCAL_BRAND[field], from: `the default (${BRAND_FLAGS[field]})` };
  };
  const command = pick('command');
  if (command.value.length > 40 || !COMMAND_NAME.test(command.value)) {
    throw new BrandError(
      `The command name must be lowercase letters and digits, dashes between them, at most 40 (a safe command and package name), e.g. acme-keys: "${command.value}" (from ${command.from})`,
    );
  }
  if (RESERVED_COMMANDS.has(command.value)) {
    throw new BrandError(`The command name "${command.value}" would replace a tool your users already have (from ${command.from})`);
  }
  const endpoint = pick('endpoint');
  const authDomain = pick('authDomain');
  const clientId = pick('clientId');
  if (!/^[\x21-\x7e]{1,200}$/.test(clientId.value)) {
    throw new BrandError(`The client id must be printable ASCII without spaces: "${clientId.value}" (from ${clientId.from})`);
  }
  const audience = pick('audience');
  if (audience.value.trim() === '' || audience.value.length > 500 || /\p{C}/u.test(audience.value)) {
    throw new BrandError(`The audience must be printable text, 1 to 500 characters: "${audience.value}" (from ${audience.from})`);
  }
  const brand: Brand = {
    command: command.value,
    endpoint: checked(() => endpointFrom(endpoint.value, endpoint.from)),
    authDomain: checked(() => authUrlFrom(authDomain.value), authDomain.from),
    clientId: clientId.value,
    audience: audience.value,
  };
  const given = CONNECTION_FIELDS.filter((field) => flags[field] !== undefined || file[field] !== undefined);
  if (given.length > 0 && given.length < CONNECTION_FIELDS.length) {
    const missing = CONNECTION_FIELDS.filter((field) => !given.includes(field)).map((field) => BRAND_FLAGS[field]);
    throw new BrandError(
      `A brand sets all of ${CONNECTION_FIELDS.map((field) => BRAND_FLAGS[field]).join(', ')} or none (none: the local system's); missing ${missing.join(', ')}, which would point your users at this machine's development defaults`,
    );
  }
  return brand;
}

/** The CLI's own check of a setting, its CliError turned into the build's error (with where the value came from, when it does not say). */
function checked(check: () => string, from?: string): string {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    throw new BrandError(from === undefined ? error.message : `${error.message} (from ${from})`);
  }
}
