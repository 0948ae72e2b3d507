/**
 * Benchmark: one request that closes every office in service (630 of the register's
 * 631; one closed for good in 2018), then one that reopens them all, against the
 * service running as `pnpm start` does (a child process) on PostgreSQL. Each request
 * writes one notice, 630 links, 630 feed changes and 630 materialised statuses, with
 * validation, scope check, audit and cache propagation, in one transaction.
 *
 * Baseline, same run, same server: one transaction of raw multi-row INSERTs of the
 * same rows into unindexed tables without triggers (the floor for writing them at all).
 *
 * The service runs as `pnpm start` runs it, without its dispatcher and mention reader
 * (FANOUT_ENABLED and MENTIONS_ENABLED false: bench:fanout measures what they do), so that
 * the figure is the request's own.
 *
 *   pnpm bench:bulk   (BENCH_DATABASE_URL; BENCH_ROUNDS, default 10)
 *   BENCH_SMOKE=1 pnpm bench:bulk   (one round, figures not judged)
 */
import { performance } from 'node:perf_hooks';
import { issueToken } from '@jcp/db';
import { sql } from 'kysely';
import { registerDatabase, say, setting, startService, Teardowns, verdict } from './common.js';

const server = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const rounds = setting('BENCH_ROUNDS', 10, 1);
const targetMs = 300;

const scope = new Teardowns();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const max = (xs: number[]) => Math.max(...xs);

try {
  const { url, database } = await registerDatabase(scope, server);
  const admin = await issueToken(database.db, { name: 'bench admin', role: 'admin', createdBy: 'bench' });
  const offices = (
    await database.db
      .selectFrom('offices')
      .select('id')
      .where('closed_permanently_on', 'is', null)
      .orderBy('id')
      .execute()
  ).map((o) => o.id);

  const { base } = await startService(scope, url, {
    RATE_LIMIT_MAX: '0',
    FANOUT_ENABLED: 'false',
    MENTIONS_ENABLED: 'false',
  });

  const post = async (payload: object): Promise<number> => {
    const t0 = performance.now();
    const res = await fetch(`${base}/notices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...payload, offices }),
    });
    const body = (await res.json()) as { changedCount?: number };
    const ms = performance.now() - t0;
    if (res.status !== 201 || body.changedCount !== offices.length)
      throw new Error(`bulk notice failed: ${res.status} ${JSON.stringify(body)}`);
    return ms;
  };

  await sql`create table bench_notice (id uuid, status text, cause text, message text, active_from timestamptz, author text)`.execute(
    database.db,
  );
  await sql`create table bench_link (notice_id uuid, office_id text)`.execute(database.db);
  await sql`create table bench_change (office_id text, effective_at timestamptz, reason text, status text, notice_id uuid)`.execute(
    database.db,
  );
  const baseline = async (): Promise<number> => {
    const t0 = performance.now();
    await database.db.transaction().execute(async (trx) => {
      const id = crypto.randomUUID();
      await sql`insert into bench_notice values (${id}, 'closed', 'weather', 'snow', now(), 'bench')`.execute(trx);
      await sql`insert into bench_link ${sql.raw('values')} ${sql.join(offices.map((o) => sql`(${id}, ${o})`))}`.execute(
        trx,
      );
      await sql`insert into bench_change ${sql.raw('values')} ${sql.join(offices.map((o) => sql`(${o}, now(), 'notice', 'closed', ${id})`))}`.execute(
        trx,
      );
    });
    return performance.now() - t0;
  };

  // Warm up the service and the server (JIT, plans, pools).
  await post({ status: 'closed', cause: 'weather' });
  await post({ status: 'open' });
  await baseline();

  const closing: number[] = [];
  const reopening: number[] = [];
  const floor: number[] = [];
  for (let round = 0; round < rounds; round++) {
    floor.push(await baseline());
    closing.push(
      await post({
        status: 'closed',
        cause: 'weather',
        message: 'Closed today because of heavy snow',
        expectedReopenAt: new Date(Date.now() + 86_400_000).toISOString(),
      }),
    );
    reopening.push(await post({ status: 'open', message: 'Open as normal' }));
  }
  const ratio = median(closing) / median(floor);
  const fmt = (xs: number[]) => `${median(xs).toFixed(1)} ms (max ${max(xs).toFixed(1)})`;
  say(`bulk notice for ${offices.length} offices over HTTP, ${rounds} rounds (median, max)`);
  say(`close all:   ${fmt(closing)}`);
  say(`reopen all:  ${fmt(reopening)}`);
  say(`baseline (raw INSERTs of the same rows, one transaction): ${fmt(floor)}`);
  say(`ratio close / baseline: ${ratio.toFixed(1)}x`);
  verdict(median(closing) <= targetMs && median(reopening) <= targetMs, `median <= ${targetMs} ms`);
} finally {
  await scope.run();
}
