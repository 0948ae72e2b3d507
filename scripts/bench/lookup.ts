/**
 * Benchmark: looking up one office's status (GET /offices/{officeId}) on PostgreSQL,
 * under autocannon with 50 connections, against a bare Fastify route answering the same
 * bytes (the same JSON and headers, scripts/bench/bare-server.ts), both measured in the
 * same run (the ratio is what to compare).
 *
 * The service runs as `pnpm start` runs it (package.json's command, a child process) with
 * its defaults (LOG_LEVEL info and the rest), on a fresh database with the register
 * imported and the office closed by a manager; rate limiting stays on with a limit high
 * enough never to trigger, so its cost is in the figure. Rounds alternate baseline and
 * service so drift hits both. The servers share one core and the load generator has another
 * (pinCpus; BENCH_PIN=0 to leave placement to the scheduler).
 *
 * The ratio is the median of the rounds' ratios (each round: service / the baseline run
 * just before it), which keeps a slow minute of a noisy machine from deciding it.
 *
 *   pnpm bench:lookup   (BENCH_DATABASE_URL, BENCH_SECONDS per round, default 6; BENCH_ROUNDS, default 5)
 *   BENCH_SMOKE=1 pnpm bench:lookup   (one round of 1 s, figures not judged)
 */
import { issueToken } from '@jcp/db';
import {
  load,
  type Figures,
  pinCpus,
  registerDatabase,
  sameAnswers,
  startBaseline,
  say,
  setting,
  smoke,
  startService,
  Teardowns,
  verdict,
} from './common.js';

const server = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const seconds = setting('BENCH_SECONDS', 6, 1);
const rounds = setting('BENCH_ROUNDS', 5, 1);
const warmSeconds = smoke ? 1 : 3;
const connections = 50;
const office = 'carlisle-8504';
const targets = { ratio: 0.8, p99Ms: 10 };

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
    // A limit that never triggers keeps the rate limiter's cost in the figure.
    RATE_LIMIT_MAX: process.env.BENCH_RATE_LIMIT_MAX ?? '1000000',
    RATE_LIMIT_WINDOW_MS: '1000',
    SCHEDULER_ENABLED: 'true',
  });
  const posted = await fetch(`${base}/offices/${office}/notices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${manager.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      status: 'closed',
      cause: 'weather',
      message: 'Closed because of heavy snow. Call 0800 169 0190 for help with your claim.',
      expectedReopenAt: new Date(Date.now() + 86_400_000).toISOString(),
    }),
  });
  if (posted.status !== 201) throw new Error(`closing the office failed: ${posted.status} ${await posted.text()}`);
  const [answer] = await sameAnswers(base, [`/offices/${office}`]);
  const { base: bareBase, pid: barePid } = await startBaseline(scope, [answer!]);

  const placement = pinCpus([pid, barePid]);
  // Warm both (JIT, connection pools, the service's cache).
  await load(`${bareBase}/offices/${office}`, warmSeconds, barePid, connections);
  await load(`${base}/offices/${office}`, warmSeconds, pid, connections);
  const bareRuns: Figures[] = [];
  const serviceRuns: Figures[] = [];
  for (let round = 0; round < rounds; round++) {
    bareRuns.push(await load(`${bareBase}/offices/${office}`, seconds, barePid, connections));
    serviceRuns.push(await load(`${base}/offices/${office}`, seconds, pid, connections));
  }
  const mean = (runs: Figures[], key: keyof Figures) => runs.reduce((sum, r) => sum + r[key], 0) / runs.length;
  const worst = (runs: Figures[], key: keyof Figures) => Math.max(...runs.map((r) => r[key]));
  const inOrder = serviceRuns.map((run, i) => run.rps / (bareRuns[i]?.rps ?? NaN));
  const ratios = [...inOrder].sort((a, b) => a - b);
  const ratio = ratios[Math.floor(ratios.length / 2)] ?? NaN;
  const p99 = worst(serviceRuns, 'p99');
  const failures = serviceRuns.reduce((n, r) => n + r.non2xx + r.errors, 0);

  // Correct under writes: reopen, and the very next read must say so.
  const reopened = await fetch(`${base}/offices/${office}/notices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${manager.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ status: 'open' }),
  });
  const after = (await (await fetch(`${base}/offices/${office}`)).json()) as { currentStatus: { status: string } };
  const fresh = reopened.status === 201 && after.currentStatus.status === 'open';

  const line = (name: string, runs: Figures[]) =>
    `${name.padEnd(22)} ${mean(runs, 'rps').toFixed(0).padStart(7)} req/s   p50 ${mean(runs, 'p50').toFixed(1)} ms   p99 ${worst(runs, 'p99').toFixed(1)} ms   non-2xx+errors ${runs.reduce((n, r) => n + r.non2xx + r.errors, 0)}   CPU ${mean(runs, 'cpuUs').toFixed(1)} µs/request`;
  say(
    `GET /offices/${office}, autocannon ${connections} connections, ${rounds} x ${seconds} s each (alternating); ${placement}`,
  );
  say(line('bare Fastify baseline', bareRuns));
  say(line('jcp-status service', serviceRuns));
  say(
    `rounds in order, service / baseline: ${inOrder.map((r, i) => `${r.toFixed(2)} (CPU ${bareRuns[i]!.cpuUs.toFixed(0)}/${serviceRuns[i]!.cpuUs.toFixed(0)} µs)`).join('  ')}`,
  );
  // What a request costs, from the same rounds: steadier than throughput when other work shares the cores.
  say(
    `CPU per request, baseline / service: ${(mean(bareRuns, 'cpuUs') / mean(serviceRuns, 'cpuUs')).toFixed(2)}x (not judged; the cost ratio behind the throughput ratio)`,
  );
  say(
    `ratio service / baseline (median of rounds): ${ratio.toFixed(2)}x (target >= ${targets.ratio}x)   service p99: ${p99.toFixed(1)} ms (target <= ${targets.p99Ms} ms)`,
  );
  say(`read after write: ${fresh ? 'the next read returned the new status' : 'STALE READ'}`);
  // Wrong answers fail every run, smoke runs too; the figures are judged in full runs only.
  if (failures > 0 || !fresh) {
    say(`FAILED: ${failures} non-2xx answers or errors under load; ${fresh ? 'reads fresh' : 'a stale read'}`);
    process.exitCode = 1;
  }
  verdict(ratio >= targets.ratio && p99 <= targets.p99Ms, `ratio >= ${targets.ratio}x, p99 <= ${targets.p99Ms} ms`);
} finally {
  await scope.run();
}
