// How long citizens' data is kept (issue 11, item 7). Mentions read from the X emulator by
// the real ingester, replies delivered by a real dispatcher, inbox items handled through
// the API; then some are made older than the retention (their received_at set in the
// past) and the scheduler's pruning job runs. Old ones are gone (counted per day first),
// with their replies and nothing in the audit log that leads back to their authors; new
// ones and open inbox items within their own limit are untouched. Whoever said "stop"
// stays opted out, kept only as a keyed hash of their X id.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@jcp/config';
import { hashLegacyOptOuts, officeIndexCache, optOutHash, pruneMentions } from '@jcp/db';
import { FanoutConfigError, receiveMentions, resolveOptOutKey } from '@jcp/use-cases';
import { sql } from 'kysely';
import t from 'tap';
import { CARLISLE, CUMBRIA, waitFor } from '../fanout/fixture.js';
import { citizen, mentionsFixture } from './fixture.js';

type Fixture = Awaited<ReturnType<typeof mentionsFixture>>;

/** Makes mentions look received `days` ago (their replies too, as they were made then). */
async function age(f: Fixture, ids: readonly string[], days: number): Promise<void> {
  await sql`update mentions set received_at = now() - make_interval(days => ${days}), posted_at = now() - make_interval(days => ${days}) where x_post_id = any(${[...ids]}::text[])`.execute(
    f.database.db,
  );
}

const slot = (() => {
  let next = Date.UTC(2030, 0, 1);
  return () => new Date((next += 60_000));
})();

async function decisionOf(f: Fixture, id: string) {
  return f.database.db
    .selectFrom('mentions')
    .select(['decision', 'reason', 'reply_post_id', 'inbox_state'])
    .where('x_post_id', '=', id)
    .executeTakeFirst();
}

void t.test(
  'after the retention, mentions and their replies are deleted and counted; newer ones and open inbox items within their limit stay; the audit keeps nothing that leads to a citizen',
  async (t) => {
    const f = await mentionsFixture(t, { accounts: [CUMBRIA] });
    const handle = await f.handleOf(CUMBRIA);
    await f.notice({ offices: [CARLISLE], status: 'closed', cause: 'weather' });
    await f.newDispatcher().start();
    const ingester = f.newIngester();
    const ask = async (who: string, text: string) => {
      const id = await f.mention(handle, citizen(who), `@${handle} ${text}`);
      await ingester.pollNow();
      return id;
    };
    const answered = await ask('old_asking_ann', 'is carlisle jobcentre open today?');
    const handled = await ask('old_handled_bob', 'my universal credit payment is late, can you help');
    const open = await ask('old_open_cat', 'my jobseekers allowance has stopped what do i do');
    const ancient = await ask('ancient_dan', 'my PIP assessment letter never came');
    const recent = await ask('recent_eve', 'is carlisle jobcentre open today?');
    const replies = await waitFor('both replies delivered', async () => {
      const rows = await f.database.db
        .selectFrom('fanout_posts')
        .select(['id', 'text'])
        .where('kind', '=', 'reply')
        .where('state', '=', 'delivered')
        .execute();
      return rows.length === 2 && rows;
    });
    t.match(await decisionOf(f, handled), { decision: 'inbox', inbox_state: 'open' });
    const note = 'Rang old_handled_bob back about the payment';
    const marked = await f.app.inject({
      method: 'POST',
      url: `/inbox/${handled}/handled`,
      headers: f.bearer(f.cumbria),
      payload: { note },
    });
    t.equal(marked.statusCode, 200, marked.body);

    const { ref } = await f.database.db
      .selectFrom('mentions')
      .select('ref')
      .where('x_post_id', '=', handled)
      .executeTakeFirstOrThrow();
    const audit = await f.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('entity_type', '=', 'mention')
      .execute();
    t.same(
      audit.map((a) => [a.action, a.entity_id, a.after]),
      [['mention.handled', ref, { state: 'handled', hasNote: true }]],
      'the audit names the mention by its reference, and says a note was written, not what',
    );

    await age(f, [answered, handled, open], 31);
    await age(f, [ancient], 91);
    const sendsBefore = Number(
      (
        await f.database.db
          .selectFrom('fanout_sends')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

    const run = await f.app.jobs.pruneMentions(slot());
    t.same(run, { ran: true, outcome: { mentions: 3, replies: 1, optOutsHashed: 0 } });
    const left = (await f.database.db.selectFrom('mentions').select('x_post_id').orderBy('x_post_id').execute()).map(
      (r) => r.x_post_id,
    );
    t.same(
      left,
      [open, recent].sort(),
      'the recent mention and the open inbox item within 90 days stay; the answered, the handled and the 91-day-old open one are gone',
    );
    const replyRows = await f.database.db
      .selectFrom('fanout_posts')
      .select('text')
      .where('kind', '=', 'reply')
      .execute();
    t.equal(replyRows.length, 1, 'the old reply is gone');
    t.match(replyRows[0]?.text, /^@recent_eve /, 'the recent one stays');
    t.equal(
      Number(
        (
          await f.database.db
            .selectFrom('fanout_sends')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
      sendsBefore,
      'the budgets still count every send',
    );

    // What statistics need, per London day, naming nobody.
    const londonDay = async (days: number) =>
      (
        await sql<{
          day: string;
        }>`select ((now() - make_interval(days => ${days})) at time zone 'Europe/London')::date::text as day`.execute(
          f.database.db,
        )
      ).rows[0]?.day;
    const [day31, day91] = [await londonDay(31), await londonDay(91)];
    const stats = await f.database.db
      .selectFrom('mention_stats')
      .select(['day', 'account_id', 'intent', 'decision', 'reason', 'reply_state', 'mentions'])
      .orderBy('day')
      .orderBy('decision')
      .execute();
    t.same(stats, [
      {
        day: day91,
        account_id: CUMBRIA,
        intent: 'other',
        decision: 'inbox',
        reason: 'not-a-status-question',
        reply_state: 'none',
        mentions: 1,
      },
      {
        day: day31,
        account_id: CUMBRIA,
        intent: 'other',
        decision: 'inbox',
        reason: 'not-a-status-question',
        reply_state: 'none',
        mentions: 1,
      },
      {
        day: day31,
        account_id: CUMBRIA,
        intent: 'status',
        decision: 'reply',
        reason: 'status-question',
        reply_state: 'delivered',
        mentions: 1,
      },
    ]);
    t.same(await f.database.db.selectFrom('mention_office_stats').select(['day', 'office_id', 'mentions']).execute(), [
      { day: day31, office_id: CARLISLE, mentions: 1 },
    ]);

    // Nothing anywhere in the database leads to the people whose mentions were deleted.
    const gone = [
      'old_asking_ann',
      'old_handled_bob',
      'ancient_dan',
      answered,
      handled,
      ancient,
      note,
      replies.find((r) => r.text.includes('old_asking_ann'))?.text ?? 'missing',
    ];
    for (const table of [
      'mentions',
      'fanout_posts',
      'audit_log',
      'mention_stats',
      'mention_office_stats',
      'mention_opt_outs',
      'fanout_sends',
      'job_slots',
    ]) {
      const { rows } = await sql<{ row: string }>`select t::text as row from ${sql.table(table)} t`.execute(
        f.database.db,
      );
      for (const value of gone) if (rows.some((r) => r.row.includes(value))) t.fail(`${table} still holds ${value}`);
    }

    t.same(
      await f.app.jobs.pruneMentions(slot()),
      { ran: true, outcome: { mentions: 0, replies: 0, optOutsHashed: 0 } },
      'a second run finds nothing more',
    );
  },
);

void t.test(
  'the pruning goes in batches, skips a mention whose reply is still queued, and two instances at once delete each mention once',
  async (t) => {
    const f = await mentionsFixture(t, { accounts: [CUMBRIA] });
    const handle = await f.handleOf(CUMBRIA);
    const ingester = f.newIngester();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++)
      ids.push(await f.mention(handle, citizen(), `@${handle} is carlisle jobcentre open today? (${i})`));
    await ingester.pollNow();
    // No dispatcher: the replies stay queued. Settle all but one, as a dispatcher would have.
    const queued = await f.database.db
      .selectFrom('mentions')
      .select(['x_post_id', 'reply_post_id'])
      .orderBy('x_post_id')
      .execute();
    t.equal(queued.length, 7);
    const waiting = queued[0]!;
    await f.database.db
      .updateTable('fanout_posts')
      .set({ state: 'superseded' })
      .where('kind', '=', 'reply')
      .where('id', '!=', waiting.reply_post_id!)
      .execute();
    await age(f, ids, 40);
    const retention = { retentionMs: 30 * 86_400_000, openInboxMs: 90 * 86_400_000 };
    const [a, b] = await Promise.all([
      pruneMentions(f.database.db, retention, { batchSize: 2 }),
      pruneMentions(f.database.db, retention, { batchSize: 2 }),
    ]);
    t.equal(a.mentions + b.mentions, 6, 'six deleted between them, each once');
    t.same(
      (await f.database.db.selectFrom('mentions').select('x_post_id').execute()).map((r) => r.x_post_id),
      [waiting.x_post_id],
      'the one whose reply may still go is kept',
    );
    const [row] = await f.database.db
      .selectFrom('mention_stats')
      .select(['decision', 'reply_state', 'mentions'])
      .execute();
    t.same(row, { decision: 'reply', reply_state: 'superseded', mentions: 6 }, 'counted once each');
  },
);

void t.test(
  'whoever said stop stays opted out after the pruning and after their mention is gone; only a keyed hash of their X id is kept',
  async (t) => {
    const f = await mentionsFixture(t, { accounts: [CUMBRIA] });
    const handle = await f.handleOf(CUMBRIA);
    const ingester = f.newIngester();
    const quitter = citizen('stop_sayer_sue');
    const stop = await f.mention(handle, quitter, `@${handle} stop`);
    await ingester.pollNow();
    t.match(await decisionOf(f, stop), { decision: 'opted-out' });

    const optOuts = await f.database.db.selectFrom('mention_opt_outs').selectAll().execute();
    t.equal(optOuts.length, 1);
    t.equal(optOuts[0]?.author_id, null, 'no raw X id');
    t.equal(
      optOuts[0]?.author_hash,
      optOutHash(f.optOutKey, quitter.id),
      'the HMAC-SHA256 of the id under the configured key',
    );
    const { rows } = await sql<{ row: string }>`select t::text as row from mention_opt_outs t`.execute(f.database.db);
    t.notOk(rows[0]?.row.includes(quitter.id), 'the id is nowhere in the row');
    for (const unkeyed of [
      createHash('sha256').update(quitter.id).digest('hex'),
      createHash('sha256').update(`x-user-id:${quitter.id}`).digest('hex'),
    ]) {
      t.not(optOuts[0]?.author_hash, unkeyed, 'not a plain hash anybody could compute for every X id');
    }
    t.not(optOutHash(randomBytes(32), quitter.id), optOuts[0]?.author_hash, 'another key, another hash');

    await age(f, [stop], 31);
    t.match(await f.app.jobs.pruneMentions(slot()), { ran: true, outcome: { mentions: 1 } });
    t.equal(await decisionOf(f, stop), undefined, 'the mention that said stop is gone');
    t.equal(
      (await f.database.db.selectFrom('mention_opt_outs').select('author_hash').execute()).length,
      1,
      'the opt-out stays',
    );

    const again = await f.mention(handle, quitter, `@${handle} is carlisle jobcentre open today?`);
    const other = await f.mention(handle, citizen(), `@${handle} is carlisle jobcentre open today?`);
    await ingester.pollNow();
    t.match(
      await decisionOf(f, again),
      { decision: 'inbox', reason: 'opted-out', reply_post_id: null },
      'no automatic reply to them: a person sees it',
    );
    t.match(await decisionOf(f, other), { decision: 'reply' }, 'somebody else is answered');
  },
);

void t.test(
  'opt-outs stored by id before hashing are honoured, then hashed by the pruning job (a hash already there wins)',
  async (t) => {
    const f = await mentionsFixture(t, { accounts: [CUMBRIA] });
    const handle = await f.handleOf(CUMBRIA);
    const [legacy, twice] = [citizen(), citizen()];
    await f.database.db
      .insertInto('mention_opt_outs')
      .values([legacy, twice].map((c) => ({ author_id: c.id, opted_out_at: new Date(Date.now() - 86_400_000) })))
      .execute();
    await f.database.db
      .insertInto('mention_opt_outs')
      .values({ author_hash: optOutHash(f.optOutKey, twice.id), opted_out_at: new Date() })
      .execute();
    const offices = officeIndexCache(f.database.db);
    const question = (id: string, who: { id: string; username: string }) => ({
      id,
      accountId: CUMBRIA,
      text: `@${handle} is carlisle jobcentre open today?`,
      authorId: who.id,
      authorUsername: who.username,
      postedAt: new Date(),
      inReplyToXId: null,
      conversationId: null,
      isRepost: false,
    });
    const before = await receiveMentions({ db: f.database.db }, [question('1990000000000000001', legacy)], {
      source: 'poll',
      offices: await offices(),
      optOutKey: f.optOutKey,
    });
    t.match(
      before.stored,
      [{ decision: 'inbox', reason: 'opted-out' }],
      'an opt-out by id is honoured before it is hashed',
    );

    t.equal(await hashLegacyOptOuts(f.database.db, f.optOutKey, { batchSize: 1 }), 2);
    const rows = await f.database.db
      .selectFrom('mention_opt_outs')
      .select(['author_id', 'author_hash'])
      .orderBy('author_hash')
      .execute();
    t.same(
      rows,
      [legacy, twice]
        .map((c) => ({ author_id: null, author_hash: optOutHash(f.optOutKey, c.id) }))
        .sort((x, y) => x.author_hash.localeCompare(y.author_hash)),
      'hashes only, one per person',
    );

    const after = await receiveMentions(
      { db: f.database.db },
      [question('1990000000000000002', legacy), question('1990000000000000003', twice)],
      { source: 'poll', offices: await offices(), optOutKey: f.optOutKey },
    );
    t.match(
      after.stored,
      [
        { decision: 'inbox', reason: 'opted-out' },
        { decision: 'inbox', reason: 'opted-out' },
      ],
      'and honoured after',
    );
    const stranger = await receiveMentions({ db: f.database.db }, [question('1990000000000000004', legacy)], {
      source: 'poll',
      offices: await offices(),
      optOutKey: randomBytes(32),
    });
    t.match(stranger.stored, [{ decision: 'reply' }], 'under another key nobody has opted out: the key must be kept');
  },
);

void t.test(
  'the opt-out key: OPT_OUT_HASH_KEY, required in production; elsewhere generated once into a private file and kept',
  async (t) => {
    const dir = join(await mkdtemp(join(tmpdir(), 'jcp-optout-')), 'pglite');
    await t.rejects(resolveOptOutKey(loadConfig({ NODE_ENV: 'production', PGLITE_DATA_DIR: dir })), FanoutConfigError);
    const given = randomBytes(32);
    t.same(
      await resolveOptOutKey(loadConfig({ NODE_ENV: 'production', OPT_OUT_HASH_KEY: given.toString('base64') })),
      given,
    );
    const bad = 'not-a-32-byte-key-but-long-enough-to-pass-the-length-check';
    const error = await resolveOptOutKey(loadConfig({ OPT_OUT_HASH_KEY: bad })).then(
      () => null,
      (e: unknown) => e as Error,
    );
    t.match(error?.message, /^OPT_OUT_HASH_KEY must be 32 bytes/);
    t.notMatch(error?.message, /not-a-32/, 'the value is never echoed');
    const first = await resolveOptOutKey(loadConfig({ PGLITE_DATA_DIR: dir }));
    t.equal(first.length, 32);
    t.same(await resolveOptOutKey(loadConfig({ PGLITE_DATA_DIR: dir })), first, 'the same key after a restart');
    t.equal((await stat(join(dir, '..', 'opt-out-hash.key'))).mode & 0o777, 0o600, 'readable by the service alone');
  },
);
