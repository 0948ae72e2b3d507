import {
  appendNotice,
  backfillOfficeStatus,
  importOfficeRegistry,
  NoticeRejected,
  readRegistryFiles,
  replaceNotice,
  settleDueStatuses,
  statusesAt,
} from '@jcp/db';
import type { NoticeDraft } from '@jcp/domain';
import { createTestDatabase } from '@jcp/testing';
import t from 'tap';

const registry = await readRegistryFiles();
const closure: NoticeDraft = {
  status: 'closed',
  cause: 'weather',
  message: 'Closed because of snow',
  activeFrom: new Date('2026-11-25T06:30:00Z'),
  activeUntil: null,
  expectedReopenAt: new Date('2026-11-26T09:00:00Z'),
  reopenCertainty: 'expected',
};
const now = new Date('2026-11-25T06:30:00Z');

void t.test('one notice closes all 631 offices; statuses are derived from it', async (t) => {
  const { db } = await createTestDatabase(t);
  await importOfficeRegistry(db, registry, { actor: 'test' });
  const open = (await db.selectFrom('offices').select('id').where('closed_permanently_on', 'is', null).execute()).map(
    (o) => o.id,
  );
  const notice = await db
    .transaction()
    .execute((trx) => appendNotice(trx, { officeIds: open, draft: closure, author: 'manager:cumbria' }, now));
  t.equal(
    (await db.selectFrom('status_notice_offices').select('office_id').where('notice_id', '=', notice.id).execute())
      .length,
    630,
  );
  const statuses = await statusesAt(db, open, new Date('2026-11-25T08:00:00Z'));
  t.equal([...statuses.values()].filter((s) => s.status === 'closed').length, 630);
  t.match(statuses.get('carlisle-8504'), {
    status: 'closed',
    cause: 'weather',
    noticeId: notice.id,
    stale: false,
    author: 'manager:cumbria',
  });
  const later = await statusesAt(db, ['carlisle-8504'], new Date('2026-11-26T09:00:00Z'));
  t.match(
    later.get('carlisle-8504'),
    { status: 'closed', stale: true },
    'past the expected reopening: stale, not reopened',
  );
  const audit = await db.selectFrom('audit_log').selectAll().where('entity_id', '=', notice.id).execute();
  t.equal(audit.length, 1);
  t.match(audit[0], { actor: 'manager:cumbria', action: 'notice.notice' });
});

void t.test('a bad notice, an unknown office or a closed-for-good office writes nothing', async (t) => {
  const { db } = await createTestDatabase(t);
  await importOfficeRegistry(db, registry, { actor: 'test' });
  const attempt = (officeIds: string[], draft: NoticeDraft) =>
    db.transaction().execute((trx) => appendNotice(trx, { officeIds, draft, author: 'm' }, now));
  const bad = await attempt(['carlisle-8504'], { ...closure, cause: null }).catch((e: unknown) => e);
  t.ok(bad instanceof NoticeRejected);
  t.same(
    (bad as NoticeRejected).problems.map((p) => p.field),
    ['cause'],
  );
  await t.rejects(attempt(['carlisle-8504', 'atlantis-1'], closure), /unknown office\(s\): atlantis-1/);
  await t.rejects(attempt(['bishop-auckland-8822'], closure), /closed permanently: bishop-auckland-8822/);
  await t.rejects(attempt([], closure), /at least one office/);
  t.equal((await db.selectFrom('status_notices').select('id').execute()).length, 0);
});

void t.test('corrections and cancellations replace a notice for exactly its offices, once', async (t) => {
  const { db } = await createTestDatabase(t);
  await importOfficeRegistry(db, registry, { actor: 'test' });
  const offices = ['carlisle-8504', 'aberdare-9820'];
  const original = await db
    .transaction()
    .execute((trx) => appendNotice(trx, { officeIds: offices, draft: closure, author: 'm' }, now));
  const corrected = await db
    .transaction()
    .execute((trx) =>
      replaceNotice(
        trx,
        original.id,
        'correction',
        { ...closure, cause: 'heating_failure', message: 'Boiler failed' },
        'm2',
        new Date('2026-11-25T07:00:00Z'),
      ),
    );
  const at = new Date('2026-11-25T08:00:00Z');
  const s = await statusesAt(db, offices, at);
  t.match(s.get('aberdare-9820'), { status: 'closed', cause: 'heating_failure', noticeId: corrected.id });
  await t.rejects(
    db.transaction().execute((trx) => replaceNotice(trx, original.id, 'cancellation', null, 'm', at)),
    /already replaced/,
  );
  await db.transaction().execute((trx) => replaceNotice(trx, corrected.id, 'cancellation', null, 'm3', at));
  const after = await statusesAt(db, offices, at);
  t.same(
    [...after.values()].map((x) => x.status),
    ['open', 'open'],
    'cancelled: open on regular hours',
  );
  await t.rejects(
    db.updateTable('status_notices').set({ message: 'edited' }).execute(),
    /append-only/,
    'notices cannot be edited',
  );
});

void t.test(
  'offices with notices from before the change feed get their status materialised once, as a baseline',
  async (t) => {
    const { db } = await createTestDatabase(t);
    await importOfficeRegistry(db, registry, { actor: 'test' });
    // Written below the status lock, as the first notices endpoint did before the feed existed.
    await db
      .transaction()
      .execute((trx) => appendNotice(trx, { officeIds: ['carlisle-8504'], draft: closure, author: 'test' }, now));
    const later = new Date('2026-11-26T10:00:00Z');
    t.equal(await backfillOfficeStatus(db, later), 1);
    const row = await db
      .selectFrom('office_status')
      .selectAll()
      .where('office_id', '=', 'carlisle-8504')
      .executeTakeFirstOrThrow();
    t.match(row, { status: 'closed', stale: true, cause: 'weather', last_change_seq: null });
    t.equal(
      (await db.selectFrom('status_changes').select('seq').execute()).length,
      0,
      'no change recorded: it is the baseline',
    );
    t.equal(await backfillOfficeStatus(db, later), 0, 'idempotent');
    // From then on the scheduler keeps it: nothing is due (stale already), a write records a real change.
    const settled = await settleDueStatuses(db, later);
    t.equal(settled.changes.length, 0);
  },
);
