import { readFileSync } from 'node:fs';
import { withGeneratedSections } from '../../../scripts/readme-tables';
import { settingNames, specOf } from '../../../lambdas/settings/schema';
import { ERROR_CODES } from '../../../lambdas/http/error-status';

describe("the README's generated tables", () => {
  const readme = readFileSync('README.md', 'utf8');

  it('are what the settings schema and the error table say today (npm run docs rewrites them)', () => {
    // A mismatch means a setting or an error code changed without `npm run docs`.
    expect(withGeneratedSections(readme)).toBe(readme);
  });

  it('name every setting and every error code', () => {
    for (const name of settingNames) {
      const spec = specOf(name);
      if (spec.usedBy.includes('stack')) expect(readme).toContain(`| \`${name}\` |`);
      if (spec.env !== undefined && spec.usedBy.some((component) => component !== 'stack')) expect(readme).toContain(`| \`${spec.env}\` |`);
    }
    for (const code of ERROR_CODES) expect(readme).toContain(`| \`${code}\` |`);
  });

  it('notice a stale table', () => {
    const stale = readme.replace('| `MAX_KEYS_PER_USER` | `20` |', '| `MAX_KEYS_PER_USER` | `25` |');
    expect(stale).not.toBe(readme);
    expect(withGeneratedSections(stale)).not.toBe(stale);
  });
});
