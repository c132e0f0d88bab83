import { html, nothing, type TemplateResult } from 'lit';
import { dateInputValue, expiryChoices, latestExpiryDate } from './expiry';
import { EVENT_LABELS } from './event-labels';
import { formatDateTime, formatDetails, graceChoices, graceLabel } from './format';
import type { ConsoleConfig, CreatedKey, KeyEvent, KeyView, RotatedKey } from './types';

/**
 * What each dialog shows, as Lit templates; the element (user-api-keys.ts) owns the state, the
 * one `<dialog>` they render into and the requests. Every text from the server goes through
 * Lit's escaping: no template here takes HTML.
 */

type Handler<E extends Event = Event> = (event: E) => void;

/** The parts every dialog has: a title, the error region, and the buttons. */
export interface DialogChrome {
  /** An action's error, in words; '' for none. */
  readonly error: string;
  /** A request of this dialog is in flight: its submit button says so and ignores clicks. */
  readonly busy: boolean;
  readonly onCancel: Handler;
}

const TITLE_ID = 'dialog-title';
export const DIALOG_TITLE_ID = TITLE_ID;

const errorRegion = (error: string) => html`<div role="alert" part="error">${error}</div>`;

const cancelButton = (chrome: DialogChrome, label = 'Cancel', autofocus = false) =>
  html`<button type="button" part="button" ?autofocus=${autofocus} @click=${chrome.onCancel}>${label}</button>`;

const submitButton = (chrome: DialogChrome, label: string, danger = false) =>
  html`<button type="submit" part="button" class=${danger ? 'primary danger' : 'primary'} aria-disabled=${chrome.busy ? 'true' : 'false'}>
    ${label}
  </button>`;

const busyNote = (chrome: DialogChrome, text: string) => html`<p class="notice" role="status">${chrome.busy ? text : ''}</p>`;

export interface CreateFormOptions extends DialogChrome {
  readonly policy: ConsoleConfig['keys'];
  readonly now: Date;
  /** The Expires choice: `days:<n>` or `date` (then the date field shows). */
  readonly expiryChoice: string;
  readonly onExpiryChange: Handler;
  readonly onSubmit: Handler<SubmitEvent>;
}

export function createForm(options: CreateFormOptions): TemplateResult {
  const { policy, now } = options;
  const { choices } = expiryChoices(policy.maxLifetimeDays, policy.defaultLifetimeDays);
  const tomorrow = new Date(now.getTime() + 86_400_000);
  return html`
    <form @submit=${options.onSubmit}>
      <h2 id=${TITLE_ID}>Create an API key</h2>
      <p>
        The key acts as you: scripts, CI jobs and command-line tools that send it can do what its scopes allow, until it expires or you
        revoke it.
      </p>
      ${errorRegion(options.error)}
      <div class="field">
        <label for="create-name">Name</label>
        <input id="create-name" name="name" required maxlength="100" autocomplete="off" autofocus aria-describedby="create-name-hint" />
        <span class="hint" id="create-name-hint">Say where it will be used, e.g. "nightly backup job".</span>
      </div>
      <fieldset class="field">
        <legend>Scopes</legend>
        ${
          policy.allowedScopes.length === 0
            ? html`<p>This API has no scopes to choose from: the key carries none.</p>`
            : policy.allowedScopes.map(
                (scope, index) =>
                  html`<label class="check"
                    ><input type="checkbox" name="scope" value=${scope} id=${`create-scope-${index}`} />${scope}</label
                  >`,
              )
        }
      </fieldset>
      <div class="field">
        <label for="create-expires">Expires</label>
        <select id="create-expires" name="expires" @change=${options.onExpiryChange}>
          ${choices.map((choice) => html`<option value=${choice.value} ?selected=${choice.value === options.expiryChoice}>${choice.label}</option>`)}
        </select>
        <span class="hint">At most ${policy.maxLifetimeDays} days from now.</span>
      </div>
      ${
        options.expiryChoice === 'date'
          ? html`<div class="field">
              <label for="create-expiry-date">Expiry date</label>
              <input
                id="create-expiry-date"
                name="expiryDate"
                type="date"
                required
                min=${dateInputValue(tomorrow)}
                max=${dateInputValue(latestExpiryDate(now, policy.maxLifetimeDays))}
              />
            </div>`
          : nothing
      }
      ${busyNote(options, 'Creating the key…')}
      <div class="buttons">${cancelButton(options)} ${submitButton(options, 'Create')}</div>
    </form>
  `;
}

export interface SecretViewOptions {
  readonly created: CreatedKey | RotatedKey;
  /** Set for a rotation: until when the old key still works. */
  readonly replaced: RotatedKey['replaced'] | undefined;
  readonly apiUrl: string;
  /** "Copied", or what to do when the clipboard is unavailable; '' before any copy. */
  readonly copyStatus: string;
  readonly onCopy: Handler;
  readonly onDone: Handler;
}

/** The new key, shown once: in a read-only field with Copy, a warning, and how to use it. */
export function secretView(options: SecretViewOptions): TemplateResult {
  const { created, replaced } = options;
  const base = options.apiUrl.replace(/\/+$/, '');
  return html`
    <h2 id=${TITLE_ID}>${replaced !== undefined ? 'Key rotated' : 'Key created'}: ${created.name}</h2>
    <p class="warning" id="new-key-warning">
      <strong>Copy the key now.</strong> It will not be shown again: only a hash of it is kept. If you lose it, rotate or revoke it and make
      another.
    </p>
    <div class="field">
      <label for="new-key">New key</label>
      <div class="secret">
        <input
          id="new-key"
          part="new-key"
          readonly
          spellcheck="false"
          autocomplete="off"
          aria-describedby="new-key-warning"
          .value=${created.key}
          @focus=${(event: FocusEvent) => {
            (event.target as HTMLInputElement).select();
          }}
        />
        <button type="button" part="button" class="primary" @click=${options.onCopy}>Copy</button>
      </div>
    </div>
    <p role="status" class="notice" id="copy-status">${options.copyStatus}</p>
    <p>
      Expires ${formatDateTime(created.expiresAt)}; scopes:
      ${created.scopes.length > 0 ? created.scopes.join(', ') : 'none'}.${
        replaced !== undefined ? html` The old key keeps working until ${formatDateTime(replaced.expiresAt)}.` : nothing
      }
    </p>
    <p>Send it as a bearer token (replace <code>/...</code> with one of the API's routes):</p>
    <pre><code>curl -H "authorization: Bearer ${created.key}" ${base}/...</code></pre>
    <div class="buttons"><button type="button" part="button" @click=${options.onDone}>Done</button></div>
  `;
}

export interface RotateFormOptions extends DialogChrome {
  readonly key: KeyView;
  readonly policy: ConsoleConfig['keys'];
  readonly onSubmit: Handler<SubmitEvent>;
}

export function rotateForm(options: RotateFormOptions): TemplateResult {
  const { choices, initial } = graceChoices(options.policy.maxGraceSeconds, options.policy.defaultGraceSeconds);
  return html`
    <form @submit=${options.onSubmit}>
      <h2 id=${TITLE_ID}>Rotate “${options.key.name}”</h2>
      <p>
        A new key replaces this one, with the same name, scopes and expiry. The old key keeps working for the grace period, so that whatever
        uses it can switch to the new one.
      </p>
      ${errorRegion(options.error)}
      <div class="field">
        <label for="rotate-grace">Grace period</label>
        <select id="rotate-grace" name="grace" autofocus>
          ${choices.map(
            (seconds) =>
              html`<option value=${String(seconds)} ?selected=${seconds === initial}>
                ${graceLabel(seconds)}${seconds === initial ? ' (default)' : ''}
              </option>`,
          )}
        </select>
      </div>
      ${busyNote(options, 'Rotating the key…')}
      <div class="buttons">${cancelButton(options)} ${submitButton(options, 'Rotate key')}</div>
    </form>
  `;
}

export interface RenameFormOptions extends DialogChrome {
  readonly key: KeyView;
  readonly onSubmit: Handler<SubmitEvent>;
}

export function renameForm(options: RenameFormOptions): TemplateResult {
  return html`
    <form @submit=${options.onSubmit}>
      <h2 id=${TITLE_ID}>Rename “${options.key.name}”</h2>
      ${errorRegion(options.error)}
      <div class="field">
        <label for="rename-name">Name</label>
        <input id="rename-name" name="name" required maxlength="100" autocomplete="off" autofocus .value=${options.key.name} />
      </div>
      ${busyNote(options, 'Saving…')}
      <div class="buttons">${cancelButton(options)} ${submitButton(options, 'Save')}</div>
    </form>
  `;
}

export interface RevokeFormOptions extends DialogChrome {
  readonly key: KeyView;
  readonly onSubmit: Handler<SubmitEvent>;
}

export function revokeForm(options: RevokeFormOptions): TemplateResult {
  return html`
    <form @submit=${options.onSubmit}>
      <h2 id=${TITLE_ID}>Revoke “${options.key.name}”?</h2>
      <p id="revoke-text">
        Revoking the key “${options.key.name}” stops it for good, within about a minute: whatever uses it is refused from then on. This
        cannot be undone.
      </p>
      ${errorRegion(options.error)} ${busyNote(options, 'Revoking the key…')}
      <div class="buttons">${cancelButton(options, 'Cancel', true)} ${submitButton(options, 'Revoke key', true)}</div>
    </form>
  `;
}

export interface HistoryViewOptions {
  readonly key: KeyView;
  readonly events: readonly KeyEvent[];
  readonly loading: boolean;
  /** Said in the status region once a page is added. */
  readonly loaded: string;
  readonly hasMore: boolean;
  readonly error: string;
  readonly onMore: Handler;
  readonly onClose: Handler;
}

export function historyView(options: HistoryViewOptions): TemplateResult {
  const { events } = options;
  return html`
    <h2 id=${TITLE_ID}>History of “${options.key.name}”</h2>
    ${errorRegion(options.error)}
    ${
      events.length > 0
        ? html`<table part="table" class="stack" aria-labelledby=${TITLE_ID}>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col">Who</th>
                <th scope="col">From where</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              ${events.map(
                (event) =>
                  html`<tr>
                    <td data-label="When"><time datetime=${event.at}>${formatDateTime(event.at)}</time></td>
                    <td data-label="What">${EVENT_LABELS[event.type] ?? event.type}</td>
                    <td data-label="Who">${event.actor}</td>
                    <td data-label="From where">
                      ${[event.sourceIp, event.userAgent].filter((part) => part !== '').join(', ') || 'unknown'}
                    </td>
                    <td data-label="Details">${formatDetails(event.details) || 'none'}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : !options.loading && options.error === ''
          ? html`<p>No events recorded.</p>`
          : nothing
    }
    <p role="status" class="notice">${options.loading ? 'Loading the history…' : options.loaded}</p>
    <div class="buttons">
      ${
        options.hasMore
          ? html`<button type="button" part="button" aria-disabled=${options.loading ? 'true' : 'false'} @click=${options.onMore}>
              Load more
            </button>`
          : nothing
      }
      <button type="button" part="button" data-close @click=${options.onClose}>Close</button>
    </div>
  `;
}
