import { css } from 'lit';

/**
 * The element's styles, adopted by its shadow root (no `<style>` element and no `style=`
 * attribute, so a CSP without 'unsafe-inline' allows them).
 *
 * Themed by the host page through CSS custom properties, set on `user-api-keys` or any ancestor:
 *
 * | property         | default                          | what it colours or sets                         |
 * |------------------|----------------------------------|-------------------------------------------------|
 * | `--uak-font`     | `system-ui, sans-serif`          | every text                                      |
 * | `--uak-accent`   | `#0b57d0`                        | primary buttons, links, focus outlines          |
 * | `--uak-bg`       | `#ffffff`                        | the background, text on primary buttons         |
 * | `--uak-fg`       | `#1f1f1f`                        | text                                            |
 * | `--uak-border`   | `#767676`                        | table rules, field and button borders           |
 * | `--uak-danger`   | `#b3261e`                        | Revoke, errors                                  |
 * | `--uak-radius`   | `6px`                            | corners of buttons, fields, dialogs             |
 *
 * and through `::part()`: `table`, `button`, `dialog`, `new-key` (the read-only field with a
 * new key), `error` (the alert regions).
 */
export const styles = css`
  :host {
    --_font: var(--uak-font, system-ui, sans-serif);
    --_accent: var(--uak-accent, #0b57d0);
    --_bg: var(--uak-bg, #ffffff);
    --_fg: var(--uak-fg, #1f1f1f);
    --_border: var(--uak-border, #767676);
    --_danger: var(--uak-danger, #b3261e);
    --_radius: var(--uak-radius, 6px);
    display: block;
    container-type: inline-size;
    font-family: var(--_font);
    color: var(--_fg);
    background: var(--_bg);
    line-height: 1.45;
  }
  :host([hidden]) {
    display: none;
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  :focus-visible {
    outline: 3px solid var(--_accent);
    outline-offset: 2px;
  }
  h2,
  h3 {
    margin: 0;
    line-height: 1.25;
  }
  h2 {
    font-size: 1.35rem;
  }
  h3 {
    font-size: 1.15rem;
  }
  p {
    margin: 0.5rem 0;
  }
  .toolbar {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: space-between;
    gap: 0.75rem;
    margin-bottom: 0.75rem;
  }
  button {
    font: inherit;
    color: var(--_fg);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    padding: 0.35rem 0.8rem;
    min-height: 2.25rem;
    cursor: pointer;
  }
  button:hover {
    border-color: var(--_fg);
  }
  button.primary {
    background: var(--_accent);
    border-color: var(--_accent);
    color: var(--_bg);
  }
  button.danger {
    color: var(--_danger);
    border-color: var(--_danger);
  }
  button.primary.danger {
    background: var(--_danger);
    color: var(--_bg);
  }
  button[disabled],
  button[aria-disabled='true'] {
    cursor: not-allowed;
    opacity: 0.65;
  }
  input,
  select {
    font: inherit;
    color: var(--_fg);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    padding: 0.35rem 0.5rem;
    min-height: 2.25rem;
    max-width: 100%;
  }
  input[type='checkbox'] {
    min-height: auto;
    width: 1.1rem;
    height: 1.1rem;
    accent-color: var(--_accent);
  }
  fieldset {
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    margin: 0;
    padding: 0.5rem 0.75rem;
  }
  legend {
    font-weight: 600;
    padding: 0 0.25rem;
  }
  .filter {
    display: flex;
    flex-wrap: wrap;
    gap: 0.25rem 1rem;
    margin-bottom: 0.75rem;
  }
  .filter legend {
    float: left;
    margin-right: 0.5rem;
  }
  .check {
    display: inline-flex;
    align-items: center;
    gap: 0.35rem;
    min-height: 1.75rem;
  }
  .field {
    display: flex;
    flex-direction: column;
    gap: 0.25rem;
    margin: 0.75rem 0;
  }
  .field > label,
  .label {
    font-weight: 600;
  }
  .hint {
    font-size: 0.9rem;
  }
  [role='alert']:empty,
  .notice:empty {
    display: none;
  }
  [role='alert'] {
    border: 2px solid var(--_danger);
    border-radius: var(--_radius);
    padding: 0.5rem 0.75rem;
    margin: 0.5rem 0;
  }
  [role='alert']::before {
    content: 'Error: ';
    font-weight: 700;
    color: var(--_danger);
  }
  .notice {
    border-left: 4px solid var(--_accent);
    padding: 0.25rem 0.75rem;
  }
  .empty {
    border: 1px dashed var(--_border);
    border-radius: var(--_radius);
    padding: 1rem;
  }
  table {
    border-collapse: collapse;
    width: 100%;
  }
  caption {
    text-align: left;
  }
  th,
  td {
    text-align: left;
    vertical-align: top;
    padding: 0.45rem 0.5rem;
    border-bottom: 1px solid var(--_border);
    overflow-wrap: anywhere;
  }
  thead th {
    font-size: 0.9rem;
    border-bottom-width: 2px;
    overflow-wrap: normal;
  }
  tbody th {
    font-weight: 600;
  }
  .tag {
    display: inline-block;
    font-size: 0.8rem;
    font-weight: 400;
    border: 1px solid var(--_border);
    border-radius: 999px;
    padding: 0 0.45rem;
    margin-left: 0.35rem;
  }
  .status {
    white-space: nowrap;
  }
  .status::before {
    content: '';
    display: inline-block;
    width: 0.6rem;
    height: 0.6rem;
    border-radius: 50%;
    margin-right: 0.35rem;
    border: 1px solid var(--_fg);
  }
  .status-active::before {
    background: #1e7d32;
  }
  .status-disabled::before {
    background: #b26a00;
  }
  .status-revoked::before {
    background: var(--_danger);
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.35rem;
  }
  .pager {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: center;
    margin-top: 0.75rem;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
  dialog {
    font-family: var(--_font);
    color: var(--_fg);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    padding: 1rem 1.25rem;
    width: min(42rem, calc(100vw - 1.5rem));
    max-height: calc(100dvh - 1.5rem);
    overflow: auto;
    container-type: inline-size;
  }
  dialog::backdrop {
    background: rgb(0 0 0 / 0.45);
  }
  .buttons {
    display: flex;
    flex-wrap: wrap;
    justify-content: flex-end;
    gap: 0.5rem;
    margin-top: 1rem;
  }
  .secret {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
  }
  .secret input {
    flex: 1 1 16rem;
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    font-size: 0.9rem;
  }
  .warning {
    border-left: 4px solid var(--_danger);
    padding: 0.25rem 0.75rem;
  }
  pre {
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    padding: 0.5rem 0.75rem;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
    font-size: 0.85rem;
  }
  code {
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  }

  /* Narrow: each row a stacked card, each cell with its column's name; nothing scrolls or is clipped. */
  @container (max-width: 40rem) {
    table.stack thead {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip-path: inset(50%);
    }
    table.stack tr {
      display: block;
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      margin-bottom: 0.75rem;
      padding: 0.25rem 0;
    }
    table.stack th,
    table.stack td {
      display: block;
      border: 0;
      padding: 0.2rem 0.75rem;
    }
    table.stack td[data-label]::before {
      content: attr(data-label) ': ';
      font-weight: 600;
    }
  }
`;
