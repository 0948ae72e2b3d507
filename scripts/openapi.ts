/**
 * Writes openapi/openapi.json from the routes' schemas. `--check` compares instead
 * and exits 1 when the committed document has drifted from the code.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildApp } from '@jcp/api';
import { createDatabase, readMigrations, repoRoot } from '@jcp/db';

export async function generateOpenApi(): Promise<string> {
  // A pool that never connects: building the document runs no query.
  const database = await createDatabase({ url: 'postgres://openapi@127.0.0.1:9/none', poolMax: 1 });
  const app = await buildApp({ database, migrations: await readMigrations() });
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
    await database.close();
  }
}

export const openApiFile = join(repoRoot, 'openapi', 'openapi.json');

if (import.meta.url === `file://${process.argv[1]}`) {
  const document = await generateOpenApi();
  if (process.argv.includes('--check')) {
    const committed = await readFile(openApiFile, 'utf8').catch(() => '');
    if (committed !== document) {
      process.stderr.write('openapi/openapi.json is out of date: run pnpm openapi and commit it\n');
      process.exitCode = 1;
    }
  } else {
    await writeFile(openApiFile, document);
    process.stdout.write(`wrote ${openApiFile}\n`);
  }
}
