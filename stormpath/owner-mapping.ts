import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { errorCode, ExportError, lineOfSyntaxError, oneLine, type StormpathAccount } from './export-reader';

/**
 * Which Auth0 user owns a Stormpath account's keys. Either a template over the account's fields
 * (the default suits users bulk-imported into an Auth0 database connection with their Stormpath
 * account id as `user_id`: the import prefixes it with `auth0|`, auth0.com/docs/users/bulk-user-imports),
 * or a match on email against an Auth0 user export. Nothing is guessed: an account with no single,
 * well-formed owner is not imported, and the resolution says why.
 */

export const DEFAULT_OWNER_TEMPLATE = 'auth0|{accountId}';
/** Owner ids are an Auth0 `sub`: bounded, and printable since they are shown and logged. */
export const OWNER_ID_MAX_LENGTH = 256;

const PLACEHOLDERS = ['accountId', 'email', 'username'] as const;
export type OwnerPlaceholder = (typeof PLACEHOLDERS)[number];
export type OwnerTemplatePart = { readonly text: string } | { readonly placeholder: OwnerPlaceholder };

export interface OwnerTemplate {
  readonly source: string;
  readonly parts: readonly OwnerTemplatePart[];
}

const PLACEHOLDER_LIST = '{accountId}, {email} or {username}';
// A placeholder, a brace with no partner, or a run of plain text.
const TEMPLATE_TOKEN = /\{([^{}]*)\}|[{}]|[^{}]+/g;

export function parseOwnerTemplate(template: string): OwnerTemplate {
  const fail = (problem: string) => new Error(oneLine(`owner template ${JSON.stringify(template)} ${problem}`));
  const parts: OwnerTemplatePart[] = [];
  for (const match of template.matchAll(TEMPLATE_TOKEN)) {
    const [token, name] = match;
    if (token === '{' || token === '}') throw fail(`has an unbalanced ${token} at character ${match.index + 1}`);
    if (name === undefined) parts.push({ text: token });
    else if (isPlaceholder(name)) parts.push({ placeholder: name });
    else throw fail(`has an unknown placeholder {${name}} (use ${PLACEHOLDER_LIST})`);
  }
  if (!parts.some((part) => 'placeholder' in part)) {
    throw fail(`has no placeholder, so every account would get the same owner (use ${PLACEHOLDER_LIST})`);
  }
  return { source: template, parts };
}

function isPlaceholder(name: string): name is OwnerPlaceholder {
  return (PLACEHOLDERS as readonly string[]).includes(name);
}

// --- The Auth0 user export ---------------------------------------------------------------

export interface Auth0User {
  readonly userId: string;
  /** As the export says; absent when the export did not include `email_verified`. */
  readonly emailVerified?: boolean;
}

/** Auth0 users by email, as read from a user export. */
export interface Auth0UserIndex {
  readonly file: string;
  /** User objects read, with or without an email. */
  readonly users: number;
  /** Normalized email (see normalizeEmail) to the distinct users holding it. */
  readonly byEmail: ReadonlyMap<string, readonly Auth0User[]>;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Reads an Auth0 user export: NDJSON, as Auth0's export job writes it (auth0.com/docs/manage-users/
 * user-migration/bulk-user-exports), or a JSON array, as its import takes; gzipped or not. NDJSON is
 * streamed line by line, since a tenant's export can be larger than a string may be.
 */
export async function readAuth0Users(file: string): Promise<Auth0UserIndex> {
  const byEmail = new Map<string, Auth0User[]>();
  let users = 0;
  const add = (value: unknown, where: string): void => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ExportError(file, `${where} is not a JSON object`);
    const { user_id: userId, email, email_verified: emailVerified } = value as Record<string, unknown>;
    if (typeof userId !== 'string' || userId === '') throw new ExportError(file, `${where} has no string user_id`);
    users += 1;
    if (typeof email !== 'string' || normalizeEmail(email) === '') return;
    addUser(byEmail, normalizeEmail(email), { userId, ...(typeof emailVerified === 'boolean' ? { emailVerified } : {}) });
  };

  let arrayText: string[] | undefined;
  let lineNumber = 0;
  const input = await openMaybeGzipped(file);
  try {
    for await (const read of createInterface({ input, crlfDelay: Infinity })) {
      lineNumber += 1;
      const line = lineNumber === 1 ? read.replace(/^\uFEFF/, '') : read;
      if (arrayText !== undefined) {
        arrayText.push(line);
      } else if (users === 0 && line.trimStart().startsWith('[')) {
        // A file that opens with `[` is one JSON array, however it is broken into lines.
        arrayText = [line];
      } else if (line.trim() !== '') {
        add(parseLine(line, file, lineNumber), `line ${lineNumber}`);
      }
    }
  } catch (error) {
    if (error instanceof ExportError) throw error;
    const code = errorCode(error);
    throw new ExportError(file, code.startsWith('Z_') ? 'is not a valid gzip file' : `cannot be read (${code})`);
  } finally {
    input.destroy();
  }
  if (arrayText !== undefined) {
    parseArray(arrayText.join('\n'), file).forEach((item, index) => {
      add(item, `item ${index + 1}`);
    });
  }
  return { file, users, byEmail };
}

function addUser(byEmail: Map<string, Auth0User[]>, email: string, user: Auth0User): void {
  const holders = byEmail.get(email) ?? [];
  const same = holders.findIndex((holder) => holder.userId === user.userId);
  // The same user listed twice is one holder; unverified if either listing says so.
  if (same < 0) holders.push(user);
  else if (user.emailVerified === false) holders[same] = user;
  byEmail.set(email, holders);
}

async function openMaybeGzipped(file: string): Promise<Readable> {
  const head = Buffer.alloc(2);
  try {
    const handle = await open(file, 'r');
    try {
      await handle.read(head, 0, 2, 0);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new ExportError(file, errorCode(error) === 'ENOENT' ? 'does not exist' : `cannot be read (${errorCode(error)})`);
  }
  const stream = createReadStream(file);
  // pipeline passes a read error on to the gunzip stream, where the line reader sees it.
  return head[0] === 0x1f && head[1] === 0x8b ? pipeline(stream, createGunzip(), () => undefined) : stream;
}

// Parse errors say where, never what: a line's text is personal data.
function parseLine(line: string, file: string, lineNumber: number): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    throw new ExportError(file, `line ${lineNumber} is not valid JSON`);
  }
}

function parseArray(text: string, file: string): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ExportError(file, `is not a valid JSON array${lineOfSyntaxError(text, error)}`);
  }
  if (!Array.isArray(value)) throw new ExportError(file, 'is not a valid JSON array');
  return value;
}

// --- Resolving an account's owner ------------------------------------------------------

export type OwnerResolution = { readonly ok: true; readonly ownerId: string } | { readonly ok: false; readonly reason: string };

export interface OwnerResolverOptions {
  /** Ignored when `users` is given. Default: DEFAULT_OWNER_TEMPLATE. */
  readonly template?: OwnerTemplate | undefined;
  readonly users?: Auth0UserIndex | undefined;
  /** Take an email the export does not say is verified (no emailVerificationStatus) as the owner's: --trust-stormpath-emails. */
  readonly trustUnknownEmails?: boolean | undefined;
}

/**
 * With `users`, the owner is the one Auth0 user holding the account's email, and the template is not
 * used: an Auth0 user id is whatever its connection made it, which no template over Stormpath's fields
 * can rebuild. Without, the template is filled in from the account.
 */
export function ownerResolver(options: OwnerResolverOptions): (account: StormpathAccount) => OwnerResolution {
  const { users } = options;
  const trust = options.trustUnknownEmails === true;
  if (users !== undefined) return (account) => ownerByEmail(account, users, trust);
  const template = options.template ?? parseOwnerTemplate(DEFAULT_OWNER_TEMPLATE);
  return (account) => ownerFromTemplate(account, template, trust);
}

function ownerByEmail(account: StormpathAccount, users: Auth0UserIndex, trustUnknownEmails: boolean): OwnerResolution {
  if (account.email === undefined || normalizeEmail(account.email) === '') return refused('account has no email');
  // Either side's email unverified proves nothing: whoever signed up with it would get these keys.
  const unproven = unprovenEmail(account, trustUnknownEmails, 'email');
  if (unproven !== undefined) return unproven;
  const holders = users.byEmail.get(normalizeEmail(account.email)) ?? [];
  const [holder, ...others] = holders;
  if (holder === undefined) return refused(`no Auth0 user has the email ${account.email}`);
  if (others.length > 0) return refused(`${holders.length} Auth0 users have the email ${account.email}`);
  // Missing counts as unverified: the user export must say (README: export email_verified too).
  if (holder.emailVerified !== true) {
    return refused(
      holder.emailVerified === false
        ? `the Auth0 user with the email ${account.email} has not verified it`
        : `the Auth0 user export does not say whether ${account.email} is verified (export the email_verified field)`,
    );
  }
  return checkedOwnerId(holder.userId);
}

function ownerFromTemplate(account: StormpathAccount, template: OwnerTemplate, trustUnknownEmails: boolean): OwnerResolution {
  let ownerId = '';
  for (const part of template.parts) {
    if ('text' in part) {
      ownerId += part.text;
      continue;
    }
    const value = account[part.placeholder];
    if (value === undefined || value === '') return refused(`account has no ${part.placeholder}`);
    // An email or a username (often the email itself) is only as good as the email's verification.
    const unproven = part.placeholder === 'accountId' ? undefined : unprovenEmail(account, trustUnknownEmails, part.placeholder);
    if (unproven !== undefined) return unproven;
    ownerId += value;
  }
  return checkedOwnerId(ownerId);
}

/**
 * Why an account's email cannot name its owner, if it cannot: Stormpath never
 * confirmed it, or the export does not say and the operator did not choose
 * to trust such emails (--trust-stormpath-emails).
 */
function unprovenEmail(account: StormpathAccount, trustUnknown: boolean, field: 'email' | 'username'): OwnerResolution | undefined {
  if (account.emailVerification === 'unverified')
    return refused(`the Stormpath account's email is UNVERIFIED: its ${field} is not proof of its owner`);
  if (account.emailVerification === 'unknown' && !trustUnknown) {
    return refused(
      `the export does not say the account's email was verified (emailVerificationStatus): its ${field} is not proof of its owner; pass --trust-stormpath-emails if your directory verified every email`,
    );
  }
  return undefined;
}

function checkedOwnerId(ownerId: string): OwnerResolution {
  const length = Array.from(ownerId).length; // characters (code points), not UTF-16 units
  if (length === 0 || length > OWNER_ID_MAX_LENGTH) {
    return refused(`owner id would be ${length} characters (it must be 1 to ${OWNER_ID_MAX_LENGTH})`);
  }
  if (/[\p{Cc}\p{Zl}\p{Zp}]/u.test(ownerId)) return refused('owner id would contain a control character');
  return { ok: true, ownerId };
}

function refused(reason: string): OwnerResolution {
  return { ok: false, reason: oneLine(reason) };
}
