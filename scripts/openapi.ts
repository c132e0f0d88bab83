/**
 * Writes openapi.json, the API's OpenAPI 3.1 document, from the code that defines it (lambdas/openapi/): the
 * routes, the handlers' request and response schemas, the code → status table. `--check` only says whether the
 * committed file is stale (npm run lint runs it), as scripts/docs.ts does for the README.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { openApiDocument } from '../lambdas/openapi/document';

const path = join(__dirname, '..', 'openapi.json');

async function main(): Promise<void> {
  // The default key header, as `npm start` and a default deploy serve it; a deploy with keyHeader serves its own.
  const current = await format(JSON.stringify(openApiDocument()), { ...(await resolveConfig(path)), parser: 'json' });
  if (process.argv.includes('--check')) {
    let committed = '';
    try {
      committed = readFileSync(path, 'utf8');
    } catch {
      // missing: stale too
    }
    if (committed !== current) {
      console.error('openapi.json is stale: run npm run openapi');
      process.exit(1);
    }
    return;
  }
  writeFileSync(path, current);
  console.log('openapi.json written');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
