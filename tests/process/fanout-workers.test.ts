// Real worker processes (`pnpm worker`) against one PostgreSQL database and an X
// emulator: one killed with SIGKILL in the middle of a burst and restarted, and two
// running at once. Either way every post reaches X exactly once.
import { EMULATOR_APP } from '@jcp/use-cases';
import { spawnScript, testServerUrl, waitForExit } from '@jcp/testing';
import t, { type Test } from 'tap';
import { fanoutFixture, waitFor } from '../fanout/fixture.js';

const needsPostgres = {
  skip: testServerUrl ? false : 'needs TEST_DATABASE_URL (PostgreSQL): workers are separate processes on one database',
};

async function world(t: Test) {
  const f = await fanoutFixture(t);
  const env = {
    DATABASE_URL: f.database.url,
    X_API_BASE_URL: f.baseUrl,
    X_APP_KEY: EMULATOR_APP.appKey,
    X_APP_SECRET: EMULATOR_APP.appSecret,
    X_CREDENTIALS_KEY: f.credentialsKey.toString('base64'),
    OPT_OUT_HASH_KEY: f.optOutKey.toString('base64'),
    FANOUT_COALESCE_SECONDS: '0',
    FANOUT_CONCURRENCY: '4',
    FANOUT_LEASE_MS: '2000',
    // Every deadline shorter than the lease, as the configuration requires.
    DATABASE_STATEMENT_TIMEOUT_MS: '1500',
    DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '1500',
    X_REQUEST_TIMEOUT_MS: '1000',
    FANOUT_POLL_MS: '100',
    LOG_LEVEL: 'warn',
  };
  const workers: ReturnType<typeof spawnScript>[] = [];
  const startWorker = () => {
    const child = spawnScript('services/worker/src/main.ts', [], env);
    workers.push(child);
    return child;
  };
  t.teardown(async () => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  });
  const allDelivered = () =>
    waitFor(
      'every post delivered',
      async () => {
        const rows = await f.database.db.selectFrom('fanout_posts').selectAll().orderBy('id').execute();
        const pending = await f.database.db
          .selectFrom('fanout_outbox')
          .select('change_seq')
          .where('batch_id', 'is', null)
          .limit(1)
          .execute();
        return rows.length > 0 && pending.length === 0 && rows.every((r) => r.state === 'delivered') && rows;
      },
      90_000,
    );
  return { f, startWorker, allDelivered };
}

/** The invariant: X holds exactly the posts the database composed, each once, each by its account. */
async function checkExactlyOnce(
  t: Test,
  f: Awaited<ReturnType<typeof fanoutFixture>>,
  rows: { x_post_id: string | null; text: string; account_id: string }[],
) {
  const posts = await f.posts();
  t.equal(posts.length, rows.length, `X holds ${rows.length} posts: none lost, none duplicated`);
  const handles = new Map(
    (await f.database.db.selectFrom('accounts').select(['id', 'handle']).execute()).map((c) => [c.id, c.handle]),
  );
  const onX = new Map(posts.map((p) => [`${p.username}\n${p.text}`, p]));
  t.equal(onX.size, posts.length, 'no text twice on an account');
  const missing = rows.filter((r) => !onX.has(`${handles.get(r.account_id)}\n${r.text}`));
  t.same(missing, [], 'every composed post is on X, from its own account');
  const ids = rows.map((r) => r.x_post_id).filter((id) => id !== null);
  t.equal(new Set(ids).size, ids.length, 'X ids are unique');
}

void t.test(
  'a worker killed with SIGKILL mid-burst and restarted loses no post and duplicates none',
  needsPostgres,
  async (t) => {
    const { f, startWorker, allDelivered } = await world(t);
    // Slow answers stretch the burst so that the kill lands in the middle of it, with
    // requests in flight; some answers are lost after X stored the post.
    await f.control('POST', '/_control/faults', {
      kind: 'delay',
      delayMs: 120,
      method: 'POST',
      path: '/2/tweets',
      count: 400,
    });
    await f.control('POST', '/_control/faults', { kind: 'lostAnswer', method: 'POST', path: '/2/tweets', count: 2 });
    await f.notice({
      status: 'closed',
      cause: 'weather',
      message: 'Heavy snow',
      offices: (
        await f.database.db.selectFrom('offices').select('id').where('closed_permanently_on', 'is', null).execute()
      ).map((o) => o.id),
    });

    const first = startWorker();
    await waitFor('some posts on X', async () => (await f.posts()).length >= 15, 60_000);
    first.kill('SIGKILL');
    const killed = await waitForExit(first);
    t.equal(killed.signal, 'SIGKILL');
    const atKill = await f.database.db.selectFrom('fanout_posts').select(['state', 'lease_owner']).execute();
    t.ok(
      atKill.some((r) => r.state === 'queued'),
      'the burst was not finished when the worker died',
    );

    const second = startWorker();
    // Killed again, a little later, to land at another point of the burst.
    await waitFor('more posts on X', async () => (await f.posts()).length >= 40, 60_000);
    second.kill('SIGKILL');
    await waitForExit(second);
    startWorker();
    const rows = await allDelivered();
    await checkExactlyOnce(t, f, rows);
    t.ok(
      rows.some((r) => r.attempts > 1) || rows.some((r) => r.outcome === 'already-posted'),
      'posts in flight at a kill were taken over after their lease expired',
    );
  },
);

void t.test('two workers at once share the burst without a duplicate', needsPostgres, async (t) => {
  const { f, startWorker, allDelivered } = await world(t);
  await f.control('POST', '/_control/faults', {
    kind: 'delay',
    delayMs: 30,
    method: 'POST',
    path: '/2/tweets',
    count: 400,
  });
  const a = startWorker();
  const b = startWorker();
  await f.notice({
    status: 'closed',
    cause: 'weather',
    offices: (
      await f.database.db.selectFrom('offices').select('id').where('closed_permanently_on', 'is', null).execute()
    ).map((o) => o.id),
  });
  const rows = await allDelivered();
  await checkExactlyOnce(t, f, rows);
  t.ok(
    rows.every((r) => r.outcome === 'posted' && r.attempts === 1),
    'every post sent once: no worker ever sent another’s post',
  );
  const by = new Set(rows.map((r) => r.delivered_by?.split(':')[1]));
  t.same([...by].sort(), [String(a.pid), String(b.pid)].sort(), 'both workers delivered posts');
});
