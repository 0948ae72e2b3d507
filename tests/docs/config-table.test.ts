/**
 * The configuration table in docs/operations.md is the environment schema's (packages/config),
 * as `pnpm docs:config` writes it: a variable added, removed, re-defaulted or re-described in the
 * schema without regenerating the table fails here, as the OpenAPI document does in
 * tests/api/openapi.test.ts.
 */
import { readFile } from 'node:fs/promises';
import { loadConfig } from '@jcp/config';
import t from 'tap';
import { configTable, configVariables, operationsFile, withConfigTable } from '../../scripts/config-docs.js';

const committed = await readFile(operationsFile, 'utf8');

void t.test('the committed table is the one the schema gives (run pnpm docs:config)', async (t) => {
  t.equal(committed, withConfigTable(committed));
  t.ok(committed.includes(configTable()), 'the table is in the document, between its markers');
});

void t.test('every variable of the schema is described, and listed once', async (t) => {
  const variables = configVariables();
  t.ok(variables.length > 0);
  for (const v of variables) t.ok(v.description && v.description.trim().length > 0, `${v.name} has a description`);
  const rows = configTable()
    .split('\n')
    .slice(2)
    .map((row) => /^\| `([A-Z0-9_]+)` \|/.exec(row)?.[1]);
  t.same(
    rows,
    variables.map((v) => v.name),
  );
});

void t.test('each default in the table is what the service runs with when the variable is unset', async (t) => {
  const defaults = loadConfig({}) as Record<string, unknown>;
  for (const v of configVariables()) {
    if (v.defaultValue === null) t.equal(defaults[v.name], undefined, `${v.name} is unset by default`);
    else t.equal(String(defaults[v.name]), v.defaultValue, `${v.name} defaults to ${v.defaultValue}`);
  }
});

void t.test('a table out of date is noticed', async (t) => {
  const stale = committed.replace('| `PORT` | `3000` |', '| `PORT` | `8080` |');
  t.not(stale, committed, 'the table lists PORT with its default');
  t.not(withConfigTable(stale), stale);
  t.throws(() => withConfigTable('# no markers here\n'), /markers/);
});
