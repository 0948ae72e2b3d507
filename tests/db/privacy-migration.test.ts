// Migration 0007 on a database that already holds mentions: the opt-outs keep their
// authors (by id, until the scheduler hashes them), and audit entries about mentions,
// written before it, lose what leads to a citizen (the X post id, the handler's note).
import { migrate, readMigrations } from '@jcp/db';
import { createTestDatabase } from '@jcp/testing';
import { sql } from 'kysely';
import t from 'tap';
import { legacyRegistry } from '../legacy-schema.js';

void t.test(
  '0007 keeps opt-outs and takes mention ids and notes out of the audit log, which stays append-only',
  async (t) => {
    const { db } = await createTestDatabase(t, { migrate: false });
    const all = await readMigrations();
    await migrate(
      db,
      all.filter((m) => m.version < 7),
    );
    await legacyRegistry(db);
    const mentionId = '1990000000000000001';
    await sql`insert into mentions (x_post_id, cluster_id, author_id, author_username, text, posted_at, source, intent, language, decision, reason, inbox_state)
            values (${mentionId}, 'district-105', '7000000099', 'who_said_stop', 'stop', now(), 'poll', 'other', 'en', 'opted-out', 'asked-to-stop', 'handled')`.execute(
      db,
    );
    await sql`insert into mention_opt_outs (author_id, opted_out_at, mention_id) values ('7000000099', now(), ${mentionId})`.execute(
      db,
    );
    await sql`insert into audit_log (actor, action, entity_type, entity_id, before, after) values
            ('token:1:cumbria', 'mention.handled', 'mention', ${mentionId}, '{"state":"open"}', '{"state":"handled","note":"Rang who_said_stop back"}'),
            ('token:1:cumbria', 'mention.reopened', 'mention', '1990000000000000002', '{"state":"handled"}', '{"state":"open","note":null}'),
            ('token:1:ops', 'cluster.paused', 'cluster', 'district-105', null, '{"pausedReason":"kept as it is"}')`.execute(
      db,
    );

    t.same(
      await migrate(
        db,
        all.filter((m) => m.version <= 7),
      ),
      ['0007_privacy.sql'],
    );
    const { ref } = await db
      .selectFrom('mentions')
      .select('ref')
      .where('x_post_id', '=', mentionId)
      .executeTakeFirstOrThrow();
    const audit = await db
      .selectFrom('audit_log')
      .select(['action', 'entity_id', 'after'])
      .where('actor', 'like', 'token:1:%')
      .orderBy('id')
      .execute();
    t.same(
      audit[0],
      { action: 'mention.handled', entity_id: ref, after: { state: 'handled', hasNote: true } },
      "named by the mention's reference; whether there was a note, not what",
    );
    t.match(
      audit[1],
      { action: 'mention.reopened', entity_id: /^[0-9a-f-]{36}$/, after: { state: 'open', hasNote: false } },
      'a mention no longer there: a random reference',
    );
    t.same(
      audit[2],
      { action: 'cluster.paused', entity_id: 'district-105', after: { pausedReason: 'kept as it is' } },
      'other entries untouched',
    );
    t.same(
      await db.selectFrom('mention_opt_outs').select(['author_id', 'author_hash']).execute(),
      [{ author_id: '7000000099', author_hash: null }],
      'the opt-out stays (hashed later, by the scheduler)',
    );
    await t.rejects(sql`delete from audit_log`.execute(db), /append-only/, 'the audit log is append-only again');
  },
);
