/** How the history names each audit event type (test/unit/console/event-labels.test.ts holds them to the server's). */
export const EVENT_LABELS: Readonly<Record<string, string>> = {
  create: 'Created',
  rotate: 'Rotated',
  revoke: 'Revoked',
  enable: 'Enabled',
  disable: 'Disabled',
  rename: 'Renamed',
  import: 'Imported',
  // GitHub's secret scanning found the key in public (its details: the url and the source).
  leak_revoke: 'Revoked: found in public',
};
