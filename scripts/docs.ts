/**
 * `npm run docs`: rewrites the README's generated tables (settings, error
 * codes) from the code that defines them. `--check` only says whether the
 * README is current (exit 1 when stale), as the unit test does.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withGeneratedSections } from './readme-tables';

const path = join(__dirname, '..', 'README.md');
const readme = readFileSync(path, 'utf8');
const current = withGeneratedSections(readme);
if (process.argv.includes('--check')) {
  if (current !== readme) {
    console.error('README.md is stale: run npm run docs');
    process.exit(1);
  }
} else if (current !== readme) {
  writeFileSync(path, current);
  console.log('README.md: generated tables rewritten');
}
