import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { ApiError, KeysApiClient, type AccessTokenProvider } from './api';
import { createForm, DIALOG_TITLE_ID, historyView, renameForm, revokeForm, rotateForm, secretView } from './dialogs';
import { expiryChoices, expiryFor } from './expiry';
import { describeError, formatDateTime, keyActions, STATUS_LABELS, statusText } from './format';
import { styles } from './styles';
import { KEY_STATUSES, type ConsoleConfig, type CreatedKey, type KeyEvent, type KeyStatus, type KeyView, type RotatedKey } from './types';

/** Dispatched (bubbling, composed) when the API answers 401 or no access token can be had: the host should log in again. */
export const UNAUTHORIZED_EVENT = 'user-api-keys-unauthorized';

type DialogState =
  | { readonly kind: 'create' }
  | { readonly kind: 'rotate'; readonly key: KeyView }
  | { readonly kind: 'rename'; readonly key: KeyView }
  | { readonly kind: 'revoke'; readonly key: KeyView }
  | {
      readonly kind: 'history';
      readonly key: KeyView;
      readonly events: readonly KeyEvent[];
      readonly nextCursor: string | undefined;
      readonly loading: boolean;
      /** What the last "Load more" added, for the status region (a screen reader hears it). */
      readonly loaded?: string;
    }
  | { readonly kind: 'secret'; readonly created: CreatedKey; readonly replaced: RotatedKey['replaced'] | undefined };

/** A create or rotate the user asked for: retried with the same Idempotency-Key (and body) while they ask for the same thing. */
interface PendingWrite<B> {
  readonly fingerprint: string;
  readonly body: B;
  readonly idempotencyKey: string;
  readonly since: number;
}

/** After this long a retry is a new action: the server remembers an Idempotency-Key for 24 hours. */
const PENDING_WRITE_TTL_MS = 60 * 60 * 1000;
/** Pages followed to find a row, when a filtered page comes back empty with a cursor. */
const MAX_EMPTY_PAGES = 20;

/** The pending write, if `fingerprint` says the user asks for the same thing again, soon enough. */
function samePending<B>(pending: PendingWrite<B> | undefined, fingerprint: string): PendingWrite<B> | undefined {
  return pending?.fingerprint === fingerprint && Date.now() - pending.since <= PENDING_WRITE_TTL_MS ? pending : undefined;
}

/** A form field's text ('' when absent). */
function fieldText(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === 'string' ? value : '';
}

const FALLBACK_GRACE = { maxGraceSeconds: 604_800, defaultGraceSeconds: 3600 } as const;

const unavailable = (onClose: () => void) =>
  html`<h2 id=${DIALOG_TITLE_ID}>Create an API key</h2>
    <p>The key policy has not loaded yet: close this and try again in a moment.</p>
    <div class="buttons"><button type="button" part="button" @click=${onClose}>Close</button></div>`;

const domId = (keyId: string) => keyId.replace(/[^A-Za-z0-9_-]/g, '_');

/**
 * `<user-api-keys>`: the signed-in user's API keys: list, create, rotate, disable/enable,
 * rename, revoke, history. See console/README.md.
 *
 * @attr api-url - the API's base URL; empty or absent: this page's origin
 * @attr page-size - keys per page, 1-100 (default 20)
 * @prop getAccessToken - `() => Promise<string>`: an access token for the API, from the host's own login
 * @fires user-api-keys-unauthorized - the API said 401, or no token could be had
 * @csspart table @csspart button @csspart dialog @csspart new-key @csspart error
 */
export class UserApiKeys extends LitElement {
  static override styles = styles;

  static override properties = {
    apiUrl: { attribute: 'api-url' },
    pageSize: { attribute: 'page-size', type: Number },
    getAccessToken: { attribute: false },
    config: { state: true },
    keys: { state: true },
    loading: { state: true },
    error: { state: true },
    notice: { state: true },
    statuses: { state: true },
    pageIndex: { state: true },
    nextCursor: { state: true },
    dialog: { state: true },
    dialogError: { state: true },
    busy: { state: true },
    copyStatus: { state: true },
    expiryChoice: { state: true },
  };

  declare apiUrl: string | null | undefined;
  declare pageSize: number;
  declare getAccessToken: AccessTokenProvider | undefined;

  declare private config: ConsoleConfig | undefined;
  /** Undefined until the first page has come. */
  declare private keys: readonly KeyView[] | undefined;
  declare private loading: boolean;
  /** The view's error, in words ('' for none). */
  declare private error: string;
  /** What the last action did, for the polite status region. */
  declare private notice: string;
  declare private statuses: readonly KeyStatus[];
  declare private pageIndex: number;
  declare private nextCursor: string | undefined;
  declare private dialog: DialogState | undefined;
  declare private dialogError: string;
  declare private busy: boolean;
  declare private copyStatus: string;
  declare private expiryChoice: string;

  /** The cursor each page visited so far started at (undefined: the first). */
  private cursors: (string | undefined)[] = [undefined];
  private listGeneration = 0;
  private configFor: string | undefined;
  private opener: { element: HTMLElement | undefined; keyId: string | undefined } = { element: undefined, keyId: undefined };
  /** A 401 that came while a new key was on screen: told to the host once its panel closes. */
  private unauthorizedAfterSecret: string | undefined;
  private pendingCreate: PendingWrite<{ name: string; scopes: string[]; expiresAt: string }> | undefined;
  private pendingRotate: PendingWrite<number> | undefined;
  private readonly rowsInFlight = new Set<string>();
  private readonly onPageHide = () => {
    this.forgetSecret();
  };

  constructor() {
    super();
    this.apiUrl = undefined;
    this.pageSize = 20;
    this.getAccessToken = undefined;
    this.config = undefined;
    this.keys = undefined;
    this.loading = false;
    this.error = '';
    this.notice = '';
    this.statuses = [];
    this.pageIndex = 0;
    this.nextCursor = undefined;
    this.dialog = undefined;
    this.dialogError = '';
    this.busy = false;
    this.copyStatus = '';
    this.expiryChoice = '';
  }

  private get api(): KeysApiClient {
    return new KeysApiClient(this.apiUrl ?? '', () => {
      const provider = this.getAccessToken;
      return provider !== undefined ? provider() : Promise.reject(new Error('getAccessToken is not set'));
    });
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('pagehide', this.onPageHide);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('pagehide', this.onPageHide);
    this.forgetSecret();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('apiUrl') && this.configFor !== undefined && this.configFor !== (this.apiUrl ?? '')) {
      this.config = undefined;
      this.keys = undefined;
      this.configFor = undefined;
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    if ((changed.has('apiUrl') || changed.has('getAccessToken')) && this.isConnected) {
      if (this.configFor === undefined) void this.loadConfig();
      // The first token provider (or another API) loads the keys; a new provider for the same API is just used from then on
      // (a React host may pass a new function at every render).
      const firstProvider = changed.has('getAccessToken') && changed.get('getAccessToken') === undefined;
      if (this.getAccessToken !== undefined && (firstProvider || changed.has('apiUrl'))) void this.loadKeys('first');
    }
    // Opened when a dialog state appears, closed when it goes; a close by Escape clears the state in onDialogClose.
    const dialog = this.dialogElement;
    const changes = changed as Map<PropertyKey, unknown>; // `dialog` is private: not in PropertyValues<this>'s keys
    if (dialog !== null && changes.has('dialog')) {
      if (this.dialog !== undefined && changes.get('dialog') === undefined && !dialog.open) dialog.showModal();
      else if (this.dialog === undefined && dialog.open) dialog.close();
    }
  }

  private get dialogElement(): HTMLDialogElement | null {
    return this.renderRoot.querySelector('dialog');
  }

  // ---- loading -------------------------------------------------------------------------------

  private async loadConfig(): Promise<void> {
    const base = this.apiUrl ?? '';
    this.configFor = base;
    try {
      const config = await this.api.config();
      if (this.configFor === base) this.config = config;
    } catch (error) {
      if (this.configFor !== base) return;
      this.configFor = undefined;
      this.showError(error, 'main');
    }
  }

  /** A page of keys: the first, the one shown now (after a change), or the next or previous one. */
  private async loadKeys(which: 'first' | 'current' | 'next' | 'previous'): Promise<void> {
    let index = which === 'first' ? 0 : which === 'next' ? this.pageIndex + 1 : which === 'previous' ? this.pageIndex - 1 : this.pageIndex;
    index = Math.max(0, index);
    const start = which === 'next' ? this.nextCursor : this.cursors[index];
    if (which === 'next' && start === undefined) return;
    const generation = ++this.listGeneration;
    this.loading = true;
    try {
      const limit = Math.min(100, Math.max(1, Math.trunc(this.pageSize) || 20));
      let page = await this.api.listKeys({ limit, cursor: start, statuses: this.statuses });
      // A filtered page may be empty and still have a cursor: follow it to rows, or to the end.
      for (let hop = 0; page.items.length === 0 && page.nextCursor !== undefined && hop < MAX_EMPTY_PAGES; hop += 1) {
        page = await this.api.listKeys({ limit, cursor: page.nextCursor, statuses: this.statuses });
      }
      if (generation !== this.listGeneration) return;
      this.cursors = [...this.cursors.slice(0, index), start];
      this.pageIndex = index;
      this.keys = page.items;
      this.nextCursor = page.nextCursor;
      this.error = '';
    } catch (error) {
      if (generation !== this.listGeneration) return;
      this.showError(error, 'main');
    } finally {
      if (generation === this.listGeneration) this.loading = false;
    }
  }

  private retry(): void {
    this.error = '';
    if (this.config === undefined) void this.loadConfig();
    void this.loadKeys(this.keys === undefined ? 'first' : 'current');
  }

  // ---- errors --------------------------------------------------------------------------------

  private showError(error: unknown, where: 'main' | 'dialog'): void {
    if (error instanceof ApiError && error.status === 401) this.signalUnauthorized(error.code);
    const text = describeError(error);
    if (where === 'dialog' && this.dialog !== undefined) this.dialogError = text;
    else this.error = text;
  }

  /**
   * Tells the host the session ended (it logs in again, leaving the page). While a new key is on screen that
   * would lose it before it is copied: the event waits until its panel closes.
   */
  private signalUnauthorized(code: string): void {
    if (this.dialog?.kind === 'secret') {
      this.unauthorizedAfterSecret = code;
      return;
    }
    this.dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT, { bubbles: true, composed: true, detail: { code } }));
  }

  // ---- dialogs -------------------------------------------------------------------------------

  private openDialog(state: DialogState, opener: EventTarget | null, keyId?: string): void {
    this.opener = { element: opener instanceof HTMLElement ? opener : undefined, keyId };
    this.dialogError = '';
    this.busy = false;
    this.copyStatus = '';
    this.dialog = state;
  }

  /** Closes the dialog (at the next update); its close event then puts focus back. */
  private closeDialog(): void {
    this.dialog = undefined;
    this.dialogError = '';
    this.copyStatus = '';
    this.busy = false;
    const held = this.unauthorizedAfterSecret;
    this.unauthorizedAfterSecret = undefined;
    if (held !== undefined) this.signalUnauthorized(held);
  }

  /** The `<dialog>` closed (Escape, a button, or a program): forget what it showed, and put focus back where it came from. */
  private onDialogClose(): void {
    if (this.dialog?.kind === 'secret') this.forgetSecret();
    else if (this.dialog !== undefined) this.closeDialog();
    void this.restoreFocus();
  }

  private async restoreFocus(): Promise<void> {
    await this.updateComplete;
    const { element, keyId } = this.opener;
    this.opener = { element: undefined, keyId: undefined };
    if (element?.isConnected === true && element.getAttribute('aria-disabled') !== 'true' && !element.hasAttribute('disabled')) {
      element.focus();
      return;
    }
    // The opener went (a revoked key has no Revoke button): the same row's first action, else Create key.
    const row = keyId !== undefined ? this.renderRoot.querySelector<HTMLElement>(`tr[data-key-id="${CSS.escape(keyId)}"] button`) : null;
    (row ?? this.renderRoot.querySelector<HTMLElement>('#create-key'))?.focus();
  }

  private onDialogCancel(event: Event): void {
    // A create or rotate in flight would lose its key if the dialog closed now.
    if (this.busy && (this.dialog?.kind === 'create' || this.dialog?.kind === 'rotate')) event.preventDefault();
    // Escape on a new key: gone from the page now, not at the close event's task.
    else if (this.dialog?.kind === 'secret') this.forgetSecret();
  }

  /** Removes a new key from the DOM and from memory: closing its panel, leaving the page, or the element's removal. */
  private forgetSecret(): void {
    if (this.dialog?.kind !== 'secret') return;
    const input = this.renderRoot.querySelector<HTMLInputElement>('#new-key');
    if (input !== null) input.value = '';
    this.closeDialog();
    // Now, not at the next microtask: the page may be going into the back-forward cache.
    this.performUpdate();
  }

  private showSecret(created: CreatedKey, replaced: RotatedKey['replaced'] | undefined): void {
    const state: DialogState = { kind: 'secret', created, replaced };
    if (this.dialog === undefined) this.openDialog(state, this.renderRoot.querySelector('#create-key'));
    else {
      this.dialog = state;
      this.busy = false;
      this.dialogError = '';
      this.copyStatus = '';
    }
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLInputElement>('#new-key')?.focus());
  }

  private async copySecret(): Promise<void> {
    if (this.dialog?.kind !== 'secret') return;
    const { key } = this.dialog.created;
    try {
      // Absent outside secure contexts, whatever the DOM types say.
      const clipboard = navigator.clipboard as Clipboard | undefined;
      if (clipboard === undefined) throw new Error('no clipboard');
      await clipboard.writeText(key);
      await this.announceCopy('Copied');
    } catch {
      const input = this.renderRoot.querySelector<HTMLInputElement>('#new-key');
      input?.focus();
      input?.select();
      await this.announceCopy('The clipboard is not available here: the key is selected, press Ctrl+C (⌘C on a Mac) to copy it.');
    }
  }

  /** A live region speaks only when its text changes: emptied first, so a second Copy is heard too. */
  private async announceCopy(text: string): Promise<void> {
    this.copyStatus = '';
    await this.updateComplete;
    if (this.dialog?.kind === 'secret') this.copyStatus = text;
  }

  // ---- actions -------------------------------------------------------------------------------

  private openCreate(event: Event): void {
    if (this.config === undefined) return;
    this.expiryChoice = expiryChoices(this.config.keys.maxLifetimeDays, this.config.keys.defaultLifetimeDays).initial;
    this.openDialog({ kind: 'create' }, event.currentTarget);
  }

  private async submitCreate(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (this.busy || this.config === undefined) return;
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const name = fieldText(data, 'name').trim();
    const scopes = data.getAll('scope').filter((value): value is string => typeof value === 'string');
    const choice = fieldText(data, 'expires');
    const dateValue = fieldText(data, 'expiryDate');
    if (name === '') {
      this.dialogError = 'Give the key a name.';
      form.querySelector<HTMLInputElement>('[name=name]')?.focus();
      return;
    }
    const fingerprint = JSON.stringify([name, scopes, choice, choice === 'date' ? dateValue : '']);
    let pending = samePending(this.pendingCreate, fingerprint);
    if (pending === undefined) {
      const expiresAt = expiryFor(choice, dateValue, new Date(), this.config.keys.maxLifetimeDays);
      if (expiresAt === undefined) {
        this.dialogError = `Choose an expiry date after today and at most ${this.config.keys.maxLifetimeDays} days from now.`;
        return;
      }
      pending = {
        fingerprint,
        body: { name, scopes, expiresAt: expiresAt.toISOString() },
        idempotencyKey: crypto.randomUUID(),
        since: Date.now(),
      };
      this.pendingCreate = pending;
    }
    const state = this.dialog;
    this.busy = true;
    this.dialogError = '';
    try {
      const created = await this.api.createKey(pending.body, pending.idempotencyKey);
      this.pendingCreate = undefined;
      this.notice = `Key “${created.name}” created.`;
      this.showSecret(created, undefined);
      void this.loadKeys('first');
    } catch (error) {
      this.failed(state, error);
    }
  }

  private openRotate(key: KeyView, event: Event): void {
    this.openDialog({ kind: 'rotate', key }, event.currentTarget, key.id);
  }

  private async submitRotate(key: KeyView, event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (this.busy) return;
    const grace = Number(new FormData(event.currentTarget as HTMLFormElement).get('grace'));
    const fingerprint = JSON.stringify([key.id, grace]);
    let pending = samePending(this.pendingRotate, fingerprint);
    if (pending === undefined) {
      pending = { fingerprint, body: grace, idempotencyKey: crypto.randomUUID(), since: Date.now() };
      this.pendingRotate = pending;
    }
    const state = this.dialog;
    this.busy = true;
    this.dialogError = '';
    try {
      const rotated = await this.api.rotateKey(key.id, pending.body, pending.idempotencyKey);
      this.pendingRotate = undefined;
      this.notice = `Key “${key.name}” rotated.`;
      this.showSecret(rotated, rotated.replaced);
      void this.loadKeys('current');
    } catch (error) {
      this.failed(state, error);
    }
  }

  private async toggle(key: KeyView): Promise<void> {
    if (this.rowsInFlight.has(key.id)) return;
    this.rowsInFlight.add(key.id);
    this.requestUpdate();
    try {
      const updated = await this.api.updateKey(key.id, { enabled: !key.enabled });
      this.replaceKey(updated);
      this.error = '';
      this.notice = `Key “${updated.name}” ${updated.enabled ? 'enabled' : 'disabled'}.`;
    } catch (error) {
      this.showError(error, 'main');
    } finally {
      this.rowsInFlight.delete(key.id);
      this.requestUpdate();
    }
  }

  private openRename(key: KeyView, event: Event): void {
    this.openDialog({ kind: 'rename', key }, event.currentTarget, key.id);
  }

  private async submitRename(key: KeyView, event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (this.busy) return;
    const name = fieldText(new FormData(event.currentTarget as HTMLFormElement), 'name').trim();
    if (name === '') {
      this.dialogError = 'Give the key a name.';
      return;
    }
    if (name === key.name) {
      this.closeDialog();
      return;
    }
    const state = this.dialog;
    this.busy = true;
    this.dialogError = '';
    try {
      const updated = await this.api.updateKey(key.id, { name });
      this.replaceKey(updated);
      this.notice = `Key “${key.name}” renamed to “${updated.name}”.`;
      if (this.dialog === state) this.closeDialog();
    } catch (error) {
      this.failed(state, error);
    }
  }

  /** A dialog's request failed: the error in that dialog if it is still open, else in the view. */
  private failed(state: DialogState | undefined, error: unknown): void {
    const open = state !== undefined && this.dialog === state;
    if (open) this.busy = false;
    this.showError(error, open ? 'dialog' : 'main');
  }

  private openRevoke(key: KeyView, event: Event): void {
    this.openDialog({ kind: 'revoke', key }, event.currentTarget, key.id);
  }

  private async submitRevoke(key: KeyView, event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (this.busy) return;
    const state = this.dialog;
    this.busy = true;
    this.dialogError = '';
    try {
      await this.api.revokeKey(key.id);
      this.notice = `Key “${key.name}” revoked.`;
      // The row shows its new state before the dialog closes, so focus can go back to it.
      await this.loadKeys('current');
      if (this.dialog === state) this.closeDialog();
    } catch (error) {
      this.failed(state, error);
    }
  }

  private openHistory(key: KeyView, event: Event): void {
    this.openDialog({ kind: 'history', key, events: [], nextCursor: undefined, loading: true }, event.currentTarget, key.id);
    void this.loadHistory(key, undefined);
  }

  private async loadHistory(key: KeyView, cursor: string | undefined): Promise<void> {
    const current = () => (this.dialog?.kind === 'history' && this.dialog.key.id === key.id ? this.dialog : undefined);
    const before = current();
    if (before === undefined) return;
    this.dialog = { ...before, loading: true };
    this.dialogError = '';
    try {
      const page = await this.api.listEvents(key.id, { limit: 20, cursor });
      const now = current();
      if (now === undefined) return;
      const count = page.items.length;
      const loaded =
        cursor === undefined
          ? ''
          : `${count} more event${count === 1 ? '' : 's'} loaded${page.nextCursor === undefined ? ': that is all of them' : ''}.`;
      this.dialog = { ...now, events: [...now.events, ...page.items], nextCursor: page.nextCursor, loading: false, loaded };
      // The last page takes "Load more" away with the focus on it: focus moves to Close rather than to nowhere.
      if (cursor !== undefined && page.nextCursor === undefined) {
        await this.updateComplete;
        this.renderRoot.querySelector<HTMLElement>('dialog [data-close]')?.focus();
      }
    } catch (error) {
      const now = current();
      if (now === undefined) return;
      this.dialog = { ...now, loading: false };
      this.showError(error, 'dialog');
    }
  }

  private replaceKey(updated: KeyView): void {
    this.keys = this.keys?.map((key) => (key.id === updated.id ? updated : key));
  }

  private changeFilter(event: Event): void {
    const form = (event.currentTarget as HTMLElement).closest('fieldset');
    const checked = [...(form?.querySelectorAll<HTMLInputElement>('input[type=checkbox]:checked') ?? [])].map((input) => input.value);
    this.statuses = KEY_STATUSES.filter((status) => checked.includes(status));
    this.cursors = [undefined];
    void this.loadKeys('first');
  }

  // ---- rendering -----------------------------------------------------------------------------

  protected override render(): TemplateResult {
    const ready = this.config !== undefined;
    return html`
      <section aria-labelledby="keys-title">
        <div class="toolbar">
          <h2 id="keys-title">Your keys</h2>
          <button
            id="create-key"
            type="button"
            part="button"
            class="primary"
            aria-disabled=${ready ? 'false' : 'true'}
            @click=${(event: Event) => {
              this.openCreate(event);
            }}
          >
            Create key
          </button>
        </div>
        <fieldset class="filter">
          <legend>Show only</legend>
          ${KEY_STATUSES.map(
            (status) =>
              html`<label class="check"
                ><input
                  type="checkbox"
                  value=${status}
                  .checked=${this.statuses.includes(status)}
                  @change=${(event: Event) => {
                    this.changeFilter(event);
                  }}
                />${STATUS_LABELS[status]}</label
              >`,
          )}
        </fieldset>
        <div role="alert" part="error">${this.error}</div>
        ${
          this.error !== ''
            ? html`<p>
                <button
                  type="button"
                  part="button"
                  @click=${() => {
                    this.retry();
                  }}
                >
                  Try again
                </button>
              </p>`
            : nothing
        }
        <p role="status" class="notice">${this.loading ? 'Loading your keys…' : this.notice}</p>
        ${this.renderKeys()}
      </section>
      <dialog
        part="dialog"
        aria-labelledby=${DIALOG_TITLE_ID}
        @close=${() => {
          this.onDialogClose();
        }}
        @cancel=${(event: Event) => {
          this.onDialogCancel(event);
        }}
      >
        ${this.renderDialog()}
      </dialog>
    `;
  }

  private renderKeys(): TemplateResult | typeof nothing {
    const keys = this.keys;
    if (keys === undefined) {
      // Loading says so in the status region above; before the host has given a token provider, this says why nothing comes.
      return this.getAccessToken === undefined && this.error === '' ? html`<p class="empty">Waiting for sign-in…</p>` : nothing;
    }
    if (keys.length === 0 && this.pageIndex === 0) {
      return this.statuses.length > 0
        ? html`<p class="empty">
            No keys with the status ${this.statuses.map((status) => STATUS_LABELS[status].toLowerCase()).join(' or ')}.
          </p>`
        : html`<div class="empty">
            <p><strong>You have no API keys yet.</strong></p>
            <p>
              An API key lets scripts, CI jobs and command-line tools call the API as you, without your password. Each key carries only the
              scopes you choose, expires, and can be revoked at any time. Use Create key to make one.
            </p>
          </div>`;
    }
    return html`
      <table part="table" class="stack" aria-labelledby="keys-title" aria-busy=${this.loading ? 'true' : 'false'}>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col">Scopes</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">Last used</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          ${repeat(
            keys,
            (key) => key.id,
            (key) => this.renderRow(key),
          )}
        </tbody>
      </table>
      ${keys.length === 0 ? html`<p class="empty">No more keys.</p>` : nothing}
      <nav class="pager" aria-label="Pages of keys">
        ${
          this.pageIndex > 0 || this.nextCursor !== undefined
            ? html`<button
                  type="button"
                  part="button"
                  aria-disabled=${this.pageIndex === 0 || this.loading ? 'true' : 'false'}
                  @click=${() => {
                    if (this.pageIndex > 0 && !this.loading) void this.loadKeys('previous');
                  }}
                >
                  Previous page
                </button>
                <span>Page ${this.pageIndex + 1}</span>
                <button
                  type="button"
                  part="button"
                  aria-disabled=${this.nextCursor === undefined || this.loading ? 'true' : 'false'}
                  @click=${() => {
                    if (this.nextCursor !== undefined && !this.loading) void this.loadKeys('next');
                  }}
                >
                  Next page
                </button>`
            : nothing
        }
      </nav>
    `;
  }

  private renderRow(key: KeyView): TemplateResult {
    const nameId = `key-name-${domId(key.id)}`;
    const actions = keyActions(key);
    const inFlight = this.rowsInFlight.has(key.id);
    const button = (label: string, onClick: (event: Event) => void, className = '') =>
      html`<button
        type="button"
        part="button"
        class=${className}
        aria-describedby=${nameId}
        aria-disabled=${inFlight ? 'true' : 'false'}
        @click=${(event: Event) => {
          if (!this.rowsInFlight.has(key.id)) onClick(event);
        }}
      >
        ${label}
      </button>`;
    return html`<tr data-key-id=${key.id}>
      <th scope="row" id=${nameId}>
        ${key.name}${key.origin === 'stormpath' ? html`<span class="tag" title="Imported from Stormpath">imported</span>` : nothing}
      </th>
      <td data-label="Status"><span class=${`status status-${key.status}`}>${statusText(key)}</span></td>
      <td data-label="Scopes">${key.scopes.length > 0 ? key.scopes.join(', ') : 'none'}</td>
      <td data-label="Created"><time datetime=${key.createdAt}>${formatDateTime(key.createdAt)}</time></td>
      <td data-label="Expires"><time datetime=${key.expiresAt}>${formatDateTime(key.expiresAt)}</time></td>
      <td data-label="Last used">
        ${key.lastUsedAt !== undefined ? html`<time datetime=${key.lastUsedAt}>${formatDateTime(key.lastUsedAt)}</time>` : 'Never'}
      </td>
      <td data-label="Actions">
        <div class="actions">
          ${
            actions.rotate
              ? button('Rotate', (event) => {
                  this.openRotate(key, event);
                })
              : nothing
          }
          ${
            actions.toggle
              ? button(key.enabled ? 'Disable' : 'Enable', () => {
                  void this.toggle(key);
                })
              : nothing
          }
          ${
            actions.rename
              ? button('Rename', (event) => {
                  this.openRename(key, event);
                })
              : nothing
          }
          ${
            actions.revoke
              ? button(
                  'Revoke',
                  (event) => {
                    this.openRevoke(key, event);
                  },
                  'danger',
                )
              : nothing
          }
          ${button('History', (event) => {
            this.openHistory(key, event);
          })}
        </div>
      </td>
    </tr>`;
  }

  private renderDialog(): TemplateResult | typeof nothing {
    const dialog = this.dialog;
    if (dialog === undefined) return nothing;
    const config = this.config;
    const chrome = {
      error: this.dialogError,
      busy: this.busy,
      onCancel: () => {
        if (!this.busy || (dialog.kind !== 'create' && dialog.kind !== 'rotate')) this.closeDialog();
      },
    };
    switch (dialog.kind) {
      case 'create':
        // Its button waits for the policy; it could only have gone with a change of api-url.
        if (config === undefined) return unavailable(chrome.onCancel);
        return createForm({
          ...chrome,
          policy: config.keys,
          now: new Date(),
          expiryChoice: this.expiryChoice,
          onExpiryChange: (event) => {
            this.expiryChoice = (event.target as HTMLSelectElement).value;
          },
          onSubmit: (event) => void this.submitCreate(event),
        });
      case 'secret':
        return secretView({
          created: dialog.created,
          replaced: dialog.replaced,
          // The config's apiUrl, else this element's api-url, else this page's origin (the console is served by the API).
          apiUrl:
            config !== undefined && config.apiUrl !== ''
              ? config.apiUrl
              : this.apiUrl !== undefined && this.apiUrl !== null && this.apiUrl !== ''
                ? this.apiUrl
                : location.origin,
          copyStatus: this.copyStatus,
          onCopy: () => void this.copySecret(),
          onDone: () => {
            this.closeDialog();
          },
        });
      case 'rotate':
        return rotateForm({
          ...chrome,
          key: dialog.key,
          // Without the policy, the API's own limits (README): up to 7 days, 1 hour by default.
          policy: config?.keys ?? { ...FALLBACK_GRACE, allowedScopes: [], maxLifetimeDays: 0, defaultLifetimeDays: 0 },
          onSubmit: (event) => void this.submitRotate(dialog.key, event),
        });
      case 'rename':
        return renameForm({ ...chrome, key: dialog.key, onSubmit: (event) => void this.submitRename(dialog.key, event) });
      case 'revoke':
        return revokeForm({ ...chrome, key: dialog.key, onSubmit: (event) => void this.submitRevoke(dialog.key, event) });
      case 'history':
        return historyView({
          key: dialog.key,
          events: dialog.events,
          loading: dialog.loading,
          loaded: dialog.loaded ?? '',
          hasMore: dialog.nextCursor !== undefined,
          error: this.dialogError,
          onMore: () => {
            if (!dialog.loading) void this.loadHistory(dialog.key, dialog.nextCursor);
          },
          onClose: () => {
            this.closeDialog();
          },
        });
    }
  }
}

export const TAG_NAME = 'user-api-keys';

/** Defines `<user-api-keys>` unless this page already has it (from another copy of the bundle, say). */
export function defineUserApiKeys(): void {
  if (customElements.get(TAG_NAME) === undefined) customElements.define(TAG_NAME, UserApiKeys);
}

declare global {
  interface HTMLElementTagNameMap {
    'user-api-keys': UserApiKeys;
  }
}
