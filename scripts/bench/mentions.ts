/**
 * Benchmark: mentions understood and replied to per second, end to end. Citizens' status
 * questions (the corpus's status questions, each from a different citizen, spread over
 * every account) are put on the X emulator; the worker (`pnpm worker`, a child process on
 * PostgreSQL) reads them with recent search through twitter-api-v2, stores, redacts,
 * classifies and decides each one, queues its reply and delivers it. Timed from the
 * moment the mentions are on X to the last reply accepted by the emulator.
 *
 * Baseline, same run: the same replies sent straight to the emulator with the
 * twitter-api-v2 client at the same concurrency, with no reading, no database and no
 * classifier: the floor for replying at all.
 *
 *   pnpm bench:mentions   (BENCH_DATABASE_URL; BENCH_MENTIONS, default 3000; BENCH_ROUNDS, default 3)
 *   BENCH_SMOKE=1 pnpm bench:mentions   (one round of 200 after a warm-up of 50, figures not judged)
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { appendNotice, dbNow, lockStatusWrites, settleStatuses, statusClock } from '@jcp/db';
import { sql } from 'kysely';
import { provisionEmulatorAccounts } from '@jcp/start';
import { EMULATOR_APP } from '@jcp/use-cases';
import { createXClient, openAccountTokens, postTweet } from '@jcp/x-client';
import { buildEmulator } from '@jcp/x-emulator';
import {
  randomKey,
  registerDatabase,
  say,
  setting,
  smoke,
  spawnPackageScript,
  Teardowns,
  verdict,
  watchChild,
} from './common.js';

const server = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const total = setting('BENCH_MENTIONS', 3000, 200);
const rounds = setting('BENCH_ROUNDS', 3, 1);
const concurrency = 64;
const target = 500;

const scope = new Teardowns();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

try {
  const { url, database } = await registerDatabase(scope, server);
  const db = database.db;
  // A snowy morning: a tenth of the offices closed, so that replies carry closures.
  const offices = (
    await db.selectFrom('offices').select('id').where('closed_permanently_on', 'is', null).orderBy('id').execute()
  ).map((o) => o.id);
  const closed = offices.filter((_, i) => i % 10 === 0);
  await db.transaction().execute(async (trx) => {
    await lockStatusWrites(trx);
    const now = await statusClock(trx);
    await appendNotice(
      trx,
      {
        officeIds: closed,
        draft: {
          status: 'closed',
          cause: 'weather',
          message: null,
          activeFrom: now,
          activeUntil: null,
          expectedReopenAt: null,
          reopenCertainty: 'unknown',
        },
        author: 'bench',
      },
      now,
    );
    await settleStatuses(trx, closed, { now, write: { reason: 'notice', actor: 'bench' } });
  });

  const emulator = buildEmulator({
    consumerKey: EMULATOR_APP.appKey,
    consumerSecret: EMULATOR_APP.appSecret,
    rateLimits: {
      'POST /2/tweets': null,
      'GET /2/tweets/search/recent': null,
      'GET /2/users/:id/tweets': null,
      'GET /2/users/me': null,
    },
  });
  let lastReply = 0;
  let replies = 0;
  emulator.addHook('onResponse', async (request, reply) => {
    if (request.method === 'POST' && request.url === '/2/tweets' && reply.statusCode === 201) {
      lastReply = performance.timeOrigin + performance.now();
      replies++;
    }
  });
  await emulator.listen({ host: '127.0.0.1', port: 0 });
  scope.teardown(() => emulator.close());
  const address = emulator.server.address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const credentialsKey = randomBytes(32);
  await provisionEmulatorAccounts(database, emulator, credentialsKey);
  const accounts = await db
    .selectFrom('accounts')
    .select(['id', 'handle', 'credentials_encrypted'])
    .where('credentials_encrypted', 'is not', null)
    .orderBy('id')
    .execute();

  // The corpus's status questions, addressed to each account in turn.
  const corpus = (await readFile(new URL('../../packages/domain/test/corpus/mentions.jsonl', import.meta.url), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { text: string; intent: string })
    .filter((m) => m.intent === 'status')
    .map((m) => m.text.replace(/@\w+\s*/g, '').trim());
  let citizen = 8_000_000_000n;

  const worker = spawnPackageScript(scope, 'worker', {
    DATABASE_URL: url,
    X_API_BASE_URL: baseUrl,
    X_APP_KEY: EMULATOR_APP.appKey,
    X_APP_SECRET: EMULATOR_APP.appSecret,
    X_CREDENTIALS_KEY: credentialsKey.toString('base64'),
    OPT_OUT_HASH_KEY: randomKey(),
    FANOUT_CONCURRENCY: String(concurrency),
    // The emulator has no limits here, and each round replies more than X's 100 per 15 minutes per account.
    X_USER_POST_LIMIT: '100000',
    X_APP_POST_LIMIT: '1000000',
    X_SEARCH_LIMIT: '1000000',
    MENTION_POLL_ACTIVE_SECONDS: '1',
    MENTION_POLL_QUIET_SECONDS: '1',
    // The overlap as in production: one interval (15 s over 15 s there, 1 s over 1 s here).
    MENTION_OVERLAP_SECONDS: '1',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
  });
  watchChild(scope, worker, 'the worker (pnpm worker)');

  /** Puts `n` questions on X and waits for every reply; ms from the last question posted to the last reply accepted. */
  const round = async (
    n: number,
  ): Promise<{ ms: number; storedMs: number; texts: { account: string; text: string }[] }> => {
    const before = replies;
    const since = await dbNow(db);
    const startId = (
      await db
        .selectFrom('fanout_posts')
        .select((eb) => eb.fn.coalesce(eb.fn.max('id'), eb.val('0')).as('last'))
        .executeTakeFirstOrThrow()
    ).last;
    for (let i = 0; i < n; i++) {
      const account = accounts[i % accounts.length]!;
      citizen += 1n;
      const response = await emulator.inject({
        method: 'POST',
        url: '/_control/mentions',
        payload: {
          to: account.handle,
          from: { id: citizen.toString(), username: `c${citizen}` },
          text: `@${account.handle} ${corpus[i % corpus.length]}`,
        },
      });
      if (response.statusCode !== 201) throw new Error(response.body);
    }
    const posted = performance.timeOrigin + performance.now();
    // Looked at in one statement every 100 ms: the end is timed by the emulator's own hook,
    // and the storing by the database's clock, so looking less often loses no precision and
    // takes less of the CPU the worker and PostgreSQL share with this process.
    let storedAt = 0;
    const wanted = await (async () => {
      for (const deadline = Date.now() + 120_000; ;) {
        const { rows } = await sql<{ stored: string; last: Date | null; queued: boolean; expected: string }>`
          select (select count(*) from mentions where received_at >= ${since}) as stored, (select max(received_at) from mentions) as last,
            exists (select 1 from fanout_posts where kind = 'reply' and state = 'queued') as queued,
            (select count(*) from fanout_posts where kind = 'reply' and id > ${startId}) as expected`.execute(db);
        const { stored, last, queued, expected } = rows[0]!;
        if (Number(stored) >= n && !queued && replies - before >= Number(expected)) {
          storedAt = last ? new Date(last).getTime() : 0;
          return Number(expected);
        }
        if (Date.now() > deadline)
          throw new Error(`the mentions were not all answered within 120 s\n${worker.output.stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const texts = await db
      .selectFrom('fanout_posts')
      .select(['account_id as account', 'text'])
      .where('kind', '=', 'reply')
      .where('id', '>', startId)
      .orderBy('id')
      .execute();
    if (texts.length !== wanted) throw new Error('reply count changed');
    return { ms: lastReply - posted, storedMs: storedAt - posted, texts };
  };

  /** The same replies sent straight to the emulator, `concurrency` at a time. */
  const baseline = async (texts: { account: string; text: string }[]): Promise<number> => {
    const clients = new Map(
      accounts.map((a) => [
        a.id,
        createXClient({
          baseUrl,
          ...EMULATOR_APP,
          ...openAccountTokens(Buffer.from(a.credentials_encrypted!).toString('utf8'), credentialsKey, a.id),
        }),
      ]),
    );
    // X refuses an account's identical texts, and many replies say the same: each gets a mark of
    // its own, kept whole (the reply is cut to make room, counted in characters as X counts them).
    const stamp = Date.now();
    const queue = texts.map((t, i) => {
      const mark = ` [baseline ${stamp} ${i}]`;
      return { ...t, text: [...t.text].slice(0, 280 - mark.length).join('') + mark };
    });
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let next = queue.shift(); next; next = queue.shift())
          await postTweet(clients.get(next.account)!, next.text);
      }),
    );
    return performance.now() - t0;
  };

  await round(smoke ? 50 : 200); // warm-up: JIT, plans, connections, the office index
  const times: number[] = [];
  const storing: number[] = [];
  const floors: number[] = [];
  let repliesPerRound = 0;
  for (let r = 0; r < rounds; r++) {
    // Statistics as autovacuum keeps them in a running service (it analyses a table once a
    // tenth of it changed, within a minute): here the tables grow from nothing by 3,000 rows
    // in seconds, and plans made for an empty table (scanning it whole) would be timed instead.
    // Dead rows are left as they are.
    await sql`analyze`.execute(db);
    const { ms, storedMs, texts } = await round(total);
    times.push(ms);
    storing.push(storedMs);
    repliesPerRound = texts.length;
    floors.push(await baseline(texts));
  }
  const rate = (ms: number) => (total / ms) * 1000;
  say(
    `mentions end to end: ${total} status questions over ${accounts.length} accounts, ${rounds} rounds; worker process on PostgreSQL (recent search, classify, store, reply through the dispatcher, concurrency ${concurrency}); polls every 1 s with a 1 s overlap`,
  );
  say(
    `from the last question on X to the last reply accepted: median ${median(times).toFixed(0)} ms (rounds ${times.map((t) => t.toFixed(0)).join(', ')}), ${rate(median(times)).toFixed(0)} mentions/s (${repliesPerRound} replies per round)`,
  );
  say(
    `of which reading, classifying and storing every mention (replies queued): median ${median(storing).toFixed(0)} ms, ${rate(median(storing)).toFixed(0)} mentions/s`,
  );
  say(
    `baseline (the same replies sent straight to the emulator, ${concurrency} at a time, no database): median ${median(floors).toFixed(0)} ms, ${((repliesPerRound / median(floors)) * 1000).toFixed(0)} replies/s`,
  );
  say(`ratio end to end / baseline: ${(median(times) / median(floors)).toFixed(2)}x`);
  verdict(rate(median(times)) >= target, `>= ${target} mentions/s`);
} finally {
  await scope.run();
}
