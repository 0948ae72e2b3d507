/**
 * Benchmark: the fan-out of a closure of every office in service (630 of the register's
 * 631) to every account, from the commit of the status write to the last post
 * accepted by the X emulator. The worker runs as `pnpm worker` does (a child process) on
 * PostgreSQL, with coalescing 0; the emulator runs here, without faults or limits.
 * Each round closes every office, then reopens every office, and times both.
 *
 * Baseline, same run: the same posts (same texts, same accounts, threads in order) sent
 * straight to the emulator with the twitter-api-v2 client and the same concurrency, with
 * no database: the floor for posting them at all.
 *
 *   pnpm bench:fanout   (BENCH_DATABASE_URL; BENCH_ROUNDS, default 5; BENCH_QUEUE_PER_ACCOUNT, default 20)
 *   BENCH_SMOKE=1 pnpm bench:fanout   (one round, 2 queued posts per account, figures not judged)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { appendNotice, FANOUT_CHANNEL, lockStatusWrites, settleStatuses, statusClock, type Database } from '@jcp/db';
import { sql } from 'kysely';
import type { NoticeDraft } from '@jcp/domain';
import { provisionEmulatorAccounts } from '@jcp/start';
import { EMULATOR_APP } from '@jcp/use-cases';
import { createXClient, openAccountTokens, postTweet } from '@jcp/x-client';
import { buildEmulator } from '@jcp/x-emulator';
import {
  randomKey,
  registerDatabase,
  say,
  setting,
  spawnPackageScript,
  Teardowns,
  verdict,
  watchChild,
} from './common.js';

const server = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const rounds = setting('BENCH_ROUNDS', 5, 1);
const concurrency = 8;
const targetMs = 2_000;

const scope = new Teardowns();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const max = (xs: number[]) => Math.max(...xs);

async function write(database: Database, offices: string[], draft: NoticeDraft): Promise<void> {
  await database.db.transaction().execute(async (trx) => {
    await lockStatusWrites(trx);
    const now = await statusClock(trx);
    await appendNotice(trx, { officeIds: offices, draft, author: 'bench' }, now);
    await settleStatuses(trx, offices, { now, write: { reason: 'notice', actor: 'bench' } });
  });
}

try {
  const { url, database } = await registerDatabase(scope, server);
  const db = database.db;
  const offices = (
    await db.selectFrom('offices').select('id').where('closed_permanently_on', 'is', null).orderBy('id').execute()
  ).map((o) => o.id);
  // Open all day, so that the benchmark measures delivery at any hour.
  await db.updateTable('accounts').set({ posting_window_start: '00:00', posting_window_end: '23:59:59' }).execute();

  const emulator = buildEmulator({
    consumerKey: EMULATOR_APP.appKey,
    consumerSecret: EMULATOR_APP.appSecret,
    rateLimits: { 'POST /2/tweets': null, 'GET /2/users/me': null },
  });
  let lastAccepted = 0;
  emulator.addHook('onResponse', async (request, reply) => {
    if (request.method === 'POST' && request.url === '/2/tweets' && reply.statusCode === 201)
      lastAccepted = performance.timeOrigin + performance.now();
  });
  await emulator.listen({ host: '127.0.0.1', port: 0 });
  scope.teardown(() => emulator.close());
  const address = emulator.server.address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const credentialsKey = randomBytes(32);
  const accounts = await provisionEmulatorAccounts(database, emulator, credentialsKey);
  const reset = async () => {
    await emulator.inject({ method: 'POST', url: '/_control/reset' });
    await emulator.inject({
      method: 'PUT',
      url: '/_control/rate-limits',
      payload: { 'POST /2/tweets': null, 'GET /2/users/me': null },
    });
    await provisionEmulatorAccounts(database, emulator, credentialsKey);
  };
  const acceptedPosts = async () =>
    (JSON.parse((await emulator.inject({ method: 'GET', url: '/_control/posts' })).body) as { posts: unknown[] }).posts
      .length;

  const worker = spawnPackageScript(scope, 'worker', {
    DATABASE_URL: url,
    X_API_BASE_URL: baseUrl,
    X_APP_KEY: EMULATOR_APP.appKey,
    X_APP_SECRET: EMULATOR_APP.appSecret,
    X_CREDENTIALS_KEY: credentialsKey.toString('base64'),
    OPT_OUT_HASH_KEY: randomKey(),
    FANOUT_COALESCE_SECONDS: '0',
    // Posts only: the mention reader is measured by bench:mentions.
    MENTIONS_ENABLED: 'false',
    FANOUT_CONCURRENCY: String(concurrency),
    // The emulator has no limits here, and the rounds post more than X's 100 per 15 min per account.
    X_USER_POST_LIMIT: '100000',
    X_APP_POST_LIMIT: '1000000',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
  });
  watchChild(scope, worker, 'the worker (pnpm worker)');

  /** One status write for every office, then the wait for its last post; ms from commit to the last post accepted. */
  const fanOut = async (draft: NoticeDraft): Promise<{ ms: number; posts: number; after: string }> => {
    await reset();
    const before = await db
      .selectFrom('fanout_posts')
      .select((eb) => [eb.fn.countAll<string>().as('n'), eb.fn.coalesce(eb.fn.max('id'), eb.val('0')).as('last')])
      .executeTakeFirstOrThrow();
    await write(database, offices, draft);
    const committed = performance.timeOrigin + performance.now();
    for (const deadline = Date.now() + 60_000; ;) {
      const pendingChanges = await db
        .selectFrom('fanout_outbox')
        .select('change_seq')
        .where('batch_id', 'is', null)
        .limit(1)
        .execute();
      const queued = await db
        .selectFrom('fanout_posts')
        .select('id')
        .where('state', '!=', 'delivered')
        .limit(1)
        .execute();
      if (pendingChanges.length === 0 && queued.length === 0) break;
      if (Date.now() > deadline) throw new Error(`the fan-out did not finish within 60 s\n${worker.output.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const after = await db
      .selectFrom('fanout_posts')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const posts = Number(after.n) - Number(before.n);
    const accepted = await acceptedPosts();
    if (accepted !== posts) throw new Error(`the emulator accepted ${accepted} posts, the database composed ${posts}`);
    return { ms: lastAccepted - committed, posts, after: before.last };
  };

  /** The same posts sent straight to the emulator, `concurrency` accounts at a time, each account's in order. */
  const baseline = async (after: string): Promise<{ ms: number; posts: number }> => {
    const rows = await db
      .selectFrom('fanout_posts as p')
      .innerJoin('accounts as c', 'c.id', 'p.account_id')
      .select(['p.account_id', 'p.text', 'p.id', 'c.credentials_encrypted'])
      .where('p.id', '>', after)
      .orderBy('p.id')
      .execute();
    const byAccount = new Map<string, typeof rows>();
    for (const r of rows) byAccount.set(r.account_id, [...(byAccount.get(r.account_id) ?? []), r]);
    await reset();
    const clients = new Map(
      [...byAccount].map(([id, list]) => [
        id,
        createXClient({
          baseUrl,
          ...EMULATOR_APP,
          ...openAccountTokens(Buffer.from(list[0]!.credentials_encrypted!).toString('utf8'), credentialsKey, id),
        }),
      ]),
    );
    const queue = [...byAccount.keys()];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
          let previous: string | undefined;
          for (const r of byAccount.get(id) ?? [])
            previous = (await postTweet(clients.get(id)!, `${r.text}`, previous)).id;
        }
      }),
    );
    return { ms: performance.now() - t0, posts: rows.length };
  };

  const close: NoticeDraft = {
    status: 'closed',
    cause: 'weather',
    message: 'Heavy snow',
    activeFrom: new Date(),
    activeUntil: null,
    expectedReopenAt: null,
    reopenCertainty: 'unknown',
  };
  const open: NoticeDraft = {
    status: 'open',
    cause: null,
    message: null,
    activeFrom: new Date(),
    activeUntil: null,
    expectedReopenAt: null,
    reopenCertainty: 'unknown',
  };
  // Warm up: the worker's first claims, JIT, plans, keep-alive connections.
  await fanOut({ ...close, activeFrom: new Date() });
  await fanOut({ ...open, activeFrom: new Date() });

  const closing: number[] = [];
  const reopening: number[] = [];
  const floor: number[] = [];
  let closurePosts = 0;
  let reopenPosts = 0;
  for (let round = 0; round < rounds; round++) {
    const c = await fanOut({
      ...close,
      activeFrom: new Date(),
      expectedReopenAt: new Date(Date.now() + 86_400_000),
      reopenCertainty: 'expected',
    });
    closing.push(c.ms);
    closurePosts = c.posts;
    floor.push((await baseline(c.after)).ms);
    const o = await fanOut({ ...open, activeFrom: new Date() });
    reopening.push(o.ms);
    reopenPosts = o.posts;
  }
  // Throughput: a queue of posts for every account (as after a long outage of X), drained
  // by the worker, against the same posts sent straight to the emulator.
  const perAccount = setting('BENCH_QUEUE_PER_ACCOUNT', 20, 2);
  const credentialed = await db
    .selectFrom('accounts')
    .select(['id', 'credentials_encrypted'])
    .where('credentials_encrypted', 'is not', null)
    .orderBy('id')
    .execute();
  await reset();
  await db.updateTable('fanout_control').set({ paused: true }).execute();
  const stamp = Date.now();
  await db.transaction().execute(async (trx) => {
    for (const c of credentialed) {
      const batchId = randomUUID();
      await trx
        .insertInto('fanout_batches')
        .values({ id: batchId, account_id: c.id, composed_at: new Date(), offices: [] })
        .execute();
      await trx
        .insertInto('fanout_posts')
        .values(
          Array.from({ length: perAccount }, (_, i) => ({
            batch_id: batchId,
            account_id: c.id,
            language: 'en' as const,
            part: 1,
            parts: 1,
            text: `Benchmark ${stamp} post ${i + 1} of ${c.id}`,
          })),
        )
        .execute();
    }
  });
  const queued = credentialed.length * perAccount;
  const drainStart = performance.now();
  await db.updateTable('fanout_control').set({ paused: false }).execute();
  await sql`select pg_notify(${FANOUT_CHANNEL}, '')`.execute(db);
  for (const deadline = Date.now() + 120_000; ;) {
    const left = await db.selectFrom('fanout_posts').select('id').where('state', '=', 'queued').limit(1).execute();
    if (left.length === 0) break;
    if (Date.now() > deadline) throw new Error('the queue did not drain within 120 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const drainMs = performance.now() - drainStart;
  if ((await acceptedPosts()) !== queued) throw new Error('the emulator did not accept every queued post');
  await reset();
  const rawQueue = credentialed.map((c) => ({
    client: createXClient({
      baseUrl,
      ...EMULATOR_APP,
      ...openAccountTokens(Buffer.from(c.credentials_encrypted!).toString('utf8'), credentialsKey, c.id),
    }),
    texts: Array.from({ length: perAccount }, (_, i) => `Baseline ${stamp} post ${i + 1} of ${c.id}`),
  }));
  const rawStart = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let next = rawQueue.shift(); next; next = rawQueue.shift())
        for (const text of next.texts) await postTweet(next.client, text);
    }),
  );
  const rawMs = performance.now() - rawStart;

  const fmt = (xs: number[]) => `${median(xs).toFixed(0)} ms (max ${max(xs).toFixed(0)})`;
  const rate = (posts: number, xs: number[]) => `${((posts / median(xs)) * 1000).toFixed(0)} posts/s`;
  say(
    `fan-out of a bulk notice for ${offices.length} offices to ${accounts} accounts, ${rounds} rounds (median, max), worker process on PostgreSQL, coalescing 0`,
  );
  say(
    `close all:  ${closurePosts} posts, commit to last post accepted ${fmt(closing)}, ${rate(closurePosts, closing)}`,
  );
  say(
    `reopen all: ${reopenPosts} posts, commit to last post accepted ${fmt(reopening)}, ${rate(reopenPosts, reopening)}`,
  );
  say(
    `baseline (the closure's posts sent straight to the emulator, ${concurrency} at a time, no database): ${fmt(floor)}, ${rate(closurePosts, floor)}`,
  );
  say(`ratio close / baseline: ${(median(closing) / median(floor)).toFixed(2)}x`);
  say(
    `dispatcher throughput: ${queued} queued posts (${perAccount} per account) drained in ${drainMs.toFixed(0)} ms, ${((queued / drainMs) * 1000).toFixed(0)} posts/s`,
  );
  say(
    `baseline (the same number of posts sent straight to the emulator, ${concurrency} at a time): ${rawMs.toFixed(0)} ms, ${((queued / rawMs) * 1000).toFixed(0)} posts/s; ratio ${(rawMs / drainMs).toFixed(2)}x of the raw rate`,
  );
  verdict(median(closing) <= targetMs && median(reopening) <= targetMs, `median <= ${targetMs} ms`);
} finally {
  await scope.run();
}
