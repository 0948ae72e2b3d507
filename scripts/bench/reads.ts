/**
 * Benchmark: every public read route under a snow-day crowd (autocannon, 50 connections),
 * each against a bare Fastify route answering the same bytes (the same JSON and headers,
 * scripts/bench/bare-server.ts), in the same run: the lookup, searches (by name, by
 * postcode, with a typo), lists (all, one district, the closed offices), the status
 * document, one office's history and the change feed.
 *
 * The service runs as `pnpm start` runs it (a child process, its defaults: request logging
 * at info, the rate limit on with a limit that never triggers), on PostgreSQL with the
 * register imported and a district closed by a manager's notice (so that lists, history and
 * the feed have something in them). For each read, rounds alternate baseline and service;
 * its ratio is the median of the rounds' ratios. The service's resident memory is sampled
 * after each round, and its peak (VmHWM) read at the end.
 *
 * Targets (issue 13): every read at >= 0.5x its baseline with p99 <= 50 ms; resident memory
 * under 250 MB.
 *
 *   pnpm bench:reads   (BENCH_DATABASE_URL; BENCH_SECONDS per round, default 3; BENCH_ROUNDS, default 3;
 *                       BENCH_ONLY=lookup,statuses for some reads only)
 *   BENCH_SMOKE=1 pnpm bench:reads   (one round of 1 s each, figures not judged)
 */
import { issueToken } from '@jcp/db';
import {
  load,
  pinCpus,
  registerDatabase,
  residentMb,
  sameAnswers,
  say,
  setting,
  startBaseline,
  startService,
  Teardowns,
  verdict,
  type Figures,
} from './common.js';

const server = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const seconds = setting('BENCH_SECONDS', 3, 1);
const rounds = setting('BENCH_ROUNDS', 3, 1);
const connections = 50;
const targets = { ratio: 0.5, p99Ms: 50, residentMb: 250 };

const ALL_READS: readonly [string, string][] = [
  ['lookup', '/offices/carlisle-8504'],
  ['search by name', '/offices?q=carlisle'],
  ['search by postcode', '/offices?q=CA3%208DA'],
  ['search with a typo', '/offices?q=kendall'],
  ['list all', '/offices'],
  ['list by district', '/offices?district=105'],
  ['list closed', '/offices?status=closed'],
  ['statuses', '/statuses'],
  ['history', '/offices/carlisle-8504/history'],
  ['changes', '/changes?after=0'],
];
// BENCH_ONLY=lookup,statuses measures only those reads.
const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim());
const READS = only ? ALL_READS.filter(([name]) => only.includes(name)) : ALL_READS;
if (READS.length === 0) throw new Error(`BENCH_ONLY names no read of: ${ALL_READS.map(([name]) => name).join(', ')}`);

const scope = new Teardowns();

try {
  const { url, database } = await registerDatabase(scope, server);
  const manager = await issueToken(database.db, {
    name: 'bench manager',
    role: 'manager',
    districtCodes: ['105'],
    createdBy: 'bench',
  });
  const { base, pid } = await startService(scope, url, {
    RATE_LIMIT_MAX: process.env.BENCH_RATE_LIMIT_MAX ?? '1000000',
    RATE_LIMIT_WINDOW_MS: '1000',
  });
  // A district closed, and one of its offices reopened: lists, history and feed with something in them.
  const posted = await fetch(`${base}/notices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${manager.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      district: '105',
      status: 'closed',
      cause: 'weather',
      message: 'Closed because of heavy snow.',
    }),
  });
  if (posted.status !== 201) throw new Error(`closing the district failed: ${posted.status} ${await posted.text()}`);
  const reopened = await fetch(`${base}/offices/carlisle-8504/notices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${manager.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ status: 'open' }),
  });
  if (reopened.status !== 201) throw new Error(`reopening failed: ${reopened.status} ${await reopened.text()}`);

  const answers = await sameAnswers(
    base,
    READS.map(([, path]) => path),
  );
  const bare = await startBaseline(scope, answers);
  const placement = pinCpus([pid, bare.pid]);

  const results: { name: string; path: string; bare: Figures[]; service: Figures[]; ratio: number; bytes: number }[] =
    [];
  let resident = 0;
  for (const [i, [name, path]] of READS.entries()) {
    await load(`${bare.base}${path}`, 1, bare.pid, connections);
    await load(`${base}${path}`, 1, pid, connections);
    const bareRuns: Figures[] = [];
    const serviceRuns: Figures[] = [];
    for (let round = 0; round < rounds; round++) {
      bareRuns.push(await load(`${bare.base}${path}`, seconds, bare.pid, connections));
      serviceRuns.push(await load(`${base}${path}`, seconds, pid, connections));
      resident = Math.max(resident, residentMb(pid)?.now ?? 0);
    }
    const ratios = serviceRuns.map((run, r) => run.rps / (bareRuns[r]?.rps ?? NaN)).sort((a, b) => a - b);
    results.push({
      name,
      path,
      bare: bareRuns,
      service: serviceRuns,
      ratio: ratios[Math.floor(ratios.length / 2)] ?? NaN,
      bytes: Buffer.from(answers[i]?.body ?? '', 'base64').length,
    });
  }
  const peak = residentMb(pid)?.peak ?? NaN;

  const mean = (runs: Figures[], key: keyof Figures) => runs.reduce((sum, r) => sum + r[key], 0) / runs.length;
  const worst = (runs: Figures[], key: keyof Figures) => Math.max(...runs.map((r) => r[key]));
  say(
    `autocannon ${connections} connections, ${rounds} x ${seconds} s per read and server (alternating); ${placement}`,
  );
  say('bytes: as sent, gzip-compressed where the service compresses (clients send Accept-Encoding: gzip, deflate, br)');
  say(
    `${'read'.padEnd(20)} ${'bytes'.padStart(7)} ${'baseline req/s'.padStart(15)} ${'service req/s'.padStart(14)} ${'ratio'.padStart(6)} ${'p99 ms'.padStart(7)} ${'(base)'.padStart(7)} ${'failed'.padStart(7)}`,
  );
  let met = true;
  let failures = 0;
  for (const r of results) {
    const p99 = worst(r.service, 'p99');
    const failed = r.service.reduce((n, f) => n + f.non2xx + f.errors, 0);
    failures += failed;
    const ok = r.ratio >= targets.ratio && p99 <= targets.p99Ms;
    met &&= ok;
    say(
      `${r.name.padEnd(20)} ${String(r.bytes).padStart(7)} ${mean(r.bare, 'rps').toFixed(0).padStart(15)} ${mean(r.service, 'rps').toFixed(0).padStart(14)} ${`${r.ratio.toFixed(2)}x`.padStart(6)} ${p99.toFixed(0).padStart(7)} ${worst(r.bare, 'p99').toFixed(0).padStart(7)} ${String(failed).padStart(7)}${ok ? '' : '   (target missed)'}`,
    );
  }
  say(
    `service resident memory: ${resident.toFixed(0)} MB at most after a round, peak ${peak.toFixed(0)} MB (target < ${targets.residentMb} MB)`,
  );
  met &&= peak < targets.residentMb;
  if (failures > 0) {
    say(`FAILED: ${failures} non-2xx answers or errors under load`);
    process.exitCode = 1;
  }
  verdict(
    met,
    `every read >= ${targets.ratio}x with p99 <= ${targets.p99Ms} ms; resident memory < ${targets.residentMb} MB`,
  );
} finally {
  await scope.run();
}
