/**
 * Benchmark: importing the bundled register (631 offices) into PostgreSQL.
 * Each round gets a fresh migrated database and times a first import (everything
 * inserted, audited, accounts and aliases created) and a second, no-op import.
 * The baseline, measured in the same run on the same server, is the floor for
 * writing those rows at all: one multi-row INSERT of the 631 raw CSV rows into a
 * table without checks. The ratio import / baseline is what to compare across machines.
 *
 *   pnpm bench:import            (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres; BENCH_ROUNDS, default 7)
 *   BENCH_SMOKE=1 pnpm bench:import   (one round, figures not judged)
 */
import { performance } from 'node:perf_hooks';
import { createDatabase, importOfficeRegistry, migrate, parseCsv, readMigrations, readRegistryFiles } from '@jcp/db';
import { createEmptyPostgresDatabase } from '@jcp/testing';
import { sql } from 'kysely';
import { say, setting, verdict } from './common.js';

const server = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const rounds = setting('BENCH_ROUNDS', 7, 1);
const targetMs = 2_000;

const teardowns: (() => unknown)[] = [];
const scope = { teardown: (fn: () => unknown) => void teardowns.push(fn) };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const input = await readRegistryFiles();
const migrations = await readMigrations();
const rawRows = parseCsv(input.offices, ['office_code'], 'offices').map((r) => r.fields);

const first: number[] = [];
const second: number[] = [];
const baseline: number[] = [];
try {
  for (let round = 0; round < rounds; round++) {
    const url = await createEmptyPostgresDatabase(scope, server);
    const database = await createDatabase({ url, poolMax: 2 });
    teardowns.push(() => database.close());
    await migrate(database.db, migrations);

    await sql`create table bench_raw (office_code text, name text, address text, postcode text, district_code text)`.execute(
      database.db,
    );
    let t0 = performance.now();
    await database.db.transaction().execute(async (trx) => {
      await sql`insert into bench_raw ${sql.raw('values')} ${sql.join(
        rawRows.map((r) => sql`(${r.office_code}, ${r.name}, ${r.address}, ${r.postcode}, ${r.district_code})`),
      )}`.execute(trx);
    });
    baseline.push(performance.now() - t0);

    t0 = performance.now();
    const report = await importOfficeRegistry(database.db, input, { actor: 'bench' });
    first.push(performance.now() - t0);
    if (report.inserted !== 631) throw new Error(`expected 631 offices inserted, got ${report.inserted}`);

    t0 = performance.now();
    const again = await importOfficeRegistry(database.db, input, { actor: 'bench' });
    second.push(performance.now() - t0);
    if (again.unchanged !== 631) throw new Error(`expected a no-op re-import, got ${JSON.stringify(again)}`);
  }
} finally {
  for (const fn of teardowns.reverse()) await fn();
}

const f = (ms: number) => `${ms.toFixed(1)} ms`;
const m1 = median(first);
say(
  [
    `import of 631 offices into PostgreSQL, median of ${rounds} rounds`,
    `  first import (insert + audit + accounts + aliases): ${f(m1)}  (min ${f(Math.min(...first))}, max ${f(Math.max(...first))})`,
    `  re-import (no change):                              ${f(median(second))}`,
    `  baseline (one INSERT of the 631 raw rows):          ${f(median(baseline))}`,
    `  ratio first import / baseline:                      ${(m1 / median(baseline)).toFixed(1)}x`,
  ].join('\n'),
);
verdict(m1 < targetMs, `first import under ${targetMs} ms`);
