// Real worker processes (`pnpm worker`) reading mentions from the X emulator on one
// PostgreSQL database: two stand by, one reads (the ingest lock); the reader is killed
// with SIGKILL while mentions keep coming, the other takes over, and every mention is
// stored once and answered once.
import { EMULATOR_APP } from '@jcp/use-cases';
import { spawnScript, testServerUrl, waitForExit } from '@jcp/testing';
import t from 'tap';
import { CUMBRIA, waitFor } from '../fanout/fixture.js';
import { citizen, mentionsFixture } from '../mentions/fixture.js';

const needsPostgres = {
  skip: testServerUrl ? false : 'needs TEST_DATABASE_URL (PostgreSQL): workers are separate processes on one database',
};

void t.test(
  'the reading worker killed with SIGKILL: another takes over, no mention lost, no reply twice',
  needsPostgres,
  async (t) => {
    const f = await mentionsFixture(t, { accounts: [CUMBRIA] });
    const handle = await f.handleOf(CUMBRIA);
    const env = {
      DATABASE_URL: f.database.url,
      X_API_BASE_URL: f.baseUrl,
      X_APP_KEY: EMULATOR_APP.appKey,
      X_APP_SECRET: EMULATOR_APP.appSecret,
      X_CREDENTIALS_KEY: f.credentialsKey.toString('base64'),
      OPT_OUT_HASH_KEY: f.optOutKey.toString('base64'),
      FANOUT_LEASE_MS: '2000',
      // Every deadline shorter than the lease, as the configuration requires.
      DATABASE_STATEMENT_TIMEOUT_MS: '1500',
      DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '1500',
      X_REQUEST_TIMEOUT_MS: '1000',
      FANOUT_POLL_MS: '100',
      MENTION_POLL_ACTIVE_SECONDS: '1',
      MENTION_POLL_QUIET_SECONDS: '1',
      X_SEARCH_LIMIT: '100000',
      LOG_LEVEL: 'warn',
    };
    const workers = [
      spawnScript('services/worker/src/main.ts', [], env),
      spawnScript('services/worker/src/main.ts', [], env),
    ];
    t.teardown(async () => {
      for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    });
    const holder = async () =>
      (await f.database.db.selectFrom('mention_ingest').select('holder').executeTakeFirstOrThrow()).holder;
    const first = await waitFor('a worker reading', async () => (await holder()) ?? undefined, 30_000);
    const asked: string[] = [];
    const ask = async (n: number) => {
      for (let i = 0; i < n; i++)
        asked.push(
          await f.mention(handle, citizen(), `@${handle} is carlisle jobcentre open today? (${asked.length})`),
        );
    };
    await ask(10);
    await waitFor(
      'the first mentions read',
      async () => (await f.database.db.selectFrom('mentions').select('x_post_id').execute()).length >= 5,
      30_000,
    );
    // Kill the one that reads (its pid is in the holder: host:pid:…), while more mentions come.
    const pid = Number(first.split(':')[1]);
    const reader = workers.find((w) => w.pid === pid);
    t.ok(reader, 'the holder is one of the two workers');
    reader!.kill('SIGKILL');
    t.equal((await waitForExit(reader!)).signal, 'SIGKILL');
    await ask(10);
    const second = await waitFor(
      'the other worker taking over',
      async () => {
        const h = await holder();
        return h !== first && h;
      },
      30_000,
    );
    t.not(second, first);
    await ask(5);
    const rows = await waitFor(
      'every mention stored and answered',
      async () => {
        const r = await f.database.db
          .selectFrom('mentions as m')
          .leftJoin('fanout_posts as p', 'p.id', 'm.reply_post_id')
          .select(['m.x_post_id', 'm.decision', 'p.state'])
          .execute();
        return r.length === asked.length && r.every((x) => x.decision === 'reply' && x.state === 'delivered') && r;
      },
      60_000,
    );
    t.equal(rows.length, 25, 'every mention stored once');
    const replies = await f.repliesBy(handle);
    t.equal(replies.length, 25, 'one reply each on X');
    t.same(new Set(replies.map((r) => r.inReplyToTweetId)), new Set(asked), 'to each mention');
  },
);
