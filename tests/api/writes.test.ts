import { issueToken } from '@jcp/db';
import type { Teardown } from '@jcp/testing';
import t from 'tap';
import { apiFixture } from './fixture.js';

async function setup(t: Teardown) {
  const { database, app, admin, cumbria, bearer: auth } = await apiFixture(t);
  const count = async (table: 'status_notices' | 'status_changes' | 'disruption_events') =>
    Number(
      (
        await database.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const cumbriaOffices = (
    await database.db.selectFrom('offices').select('id').where('district_code', '=', '105').orderBy('id').execute()
  ).map((o) => o.id);
  return { database, app, admin, cumbria, auth, count, cumbriaOffices };
}

const closure = { status: 'closed', cause: 'weather', message: 'Closed today because of heavy snow' };

void t.test('a bulk closure of every office applies in one request, and reads and the feed show it', async (t) => {
  const { app, admin, auth, database } = await setup(t);
  const all = (
    await database.db.selectFrom('offices').select('id').where('closed_permanently_on', 'is', null).execute()
  ).map((o) => o.id);
  t.equal(all.length, 630, 'every office in service (631 in the register, one closed for good)');
  const res = await app.inject({
    method: 'POST',
    url: '/notices',
    headers: auth(admin),
    payload: { ...closure, offices: all },
  });
  t.equal(res.statusCode, 201, res.body);
  const body = res.json<{ noticeId: string; officeCount: number; changedCount: number }>();
  t.equal(body.officeCount, all.length);
  t.equal(body.changedCount, all.length);
  t.equal(res.headers.location, `/notices/${body.noticeId}`);
  const doc = (await app.inject('/statuses')).json<{ offices: Record<string, { status: string }>; cursor: string }>();
  t.equal(Object.values(doc.offices).filter((o) => o.status === 'closed').length, all.length);
  const feed = (await app.inject('/changes?after=0&limit=1000')).json<{
    changes: { reason: string; currentStatus: { status: string } }[];
    cursor: string;
  }>();
  t.equal(feed.changes.length, all.length);
  t.ok(feed.changes.every((c) => c.reason === 'notice' && c.currentStatus.status === 'closed'));
  t.equal(feed.cursor, doc.cursor, 'the status document carries the feed position it reflects');
  const notice = (await app.inject(`/notices/${body.noticeId}`)).json<{ officeIds: string[]; kind: string }>();
  t.equal(notice.officeIds.length, all.length);
  t.equal(notice.kind, 'notice');
});

void t.test('bulk by district and account; a manager touching one office outside scope is refused whole', async (t) => {
  const { app, cumbria, auth, count, cumbriaOffices, database } = await setup(t);
  const byDistrict = await app.inject({
    method: 'POST',
    url: '/notices',
    headers: auth(cumbria),
    payload: { ...closure, district: '105' },
  });
  t.equal(byDistrict.statusCode, 201, byDistrict.body);
  t.equal(byDistrict.json<{ officeCount: number }>().officeCount, cumbriaOffices.length);
  const account = (
    await database.db
      .selectFrom('offices')
      .select('account_id')
      .where('district_code', '=', '105')
      .executeTakeFirstOrThrow()
  ).account_id;
  const byAccount = await app.inject({
    method: 'POST',
    url: '/notices',
    headers: auth(cumbria),
    payload: { status: 'open', account },
  });
  t.equal(byAccount.statusCode, 201, 'a district manager covers the offices of its district, however they are named');
  const before = await count('status_notices');
  const changesBefore = await count('status_changes');
  const mixed = await app.inject({
    method: 'POST',
    url: '/notices',
    headers: auth(cumbria),
    payload: { ...closure, offices: [...cumbriaOffices, 'aberdare-9820'] },
  });
  t.equal(mixed.statusCode, 403);
  t.match(mixed.headers['content-type'], /application\/problem\+json/);
  t.match(mixed.json(), { outOfScope: ['aberdare-9820'], detail: /nothing was applied/ });
  const otherDistrict = await app.inject({
    method: 'POST',
    url: '/notices',
    headers: auth(cumbria),
    payload: { ...closure, district: '101' },
  });
  t.equal(otherDistrict.statusCode, 403);
  t.equal(await count('status_notices'), before, 'no notice written');
  t.equal(await count('status_changes'), changesBefore, 'no change recorded');
  t.equal(
    (await app.inject('/offices/aberdare-9820')).json<{ currentStatus: { status: string } }>().currentStatus.status,
    'open',
  );
});

void t.test('bulk validation: exactly one target, known offices, known district, a valid notice', async (t) => {
  const { app, admin, auth, count } = await setup(t);
  const cases: [object, number, RegExp][] = [
    [{ ...closure }, 400, /exactly one of offices, account, district or event/],
    [{ ...closure, district: '105', account: 'x' }, 400, /exactly one/],
    [{ ...closure, offices: [] }, 400, /offices/],
    [{ ...closure, offices: ['no-such-office-1'] }, 422, /unknown office/],
    [{ ...closure, district: '999' }, 404, /No district 999/],
    [{ ...closure, account: 'nope' }, 404, /No account nope/],
    [{ ...closure, event: '00000000-0000-4000-8000-000000000000' }, 404, /No disruption event/],
    [{ status: 'closed', district: '105' }, 422, /not valid/],
    [{ ...closure, district: '105', colour: 'red' }, 400, /colour|additional|unrecognized/i],
  ];
  for (const [payload, status, detail] of cases) {
    const res = await app.inject({ method: 'POST', url: '/notices', headers: auth(admin), payload });
    t.equal(res.statusCode, status, JSON.stringify(payload));
    t.match(res.headers['content-type'], /application\/problem\+json/);
    t.match(res.json(), { status, detail });
  }
  t.equal(await count('status_notices'), 0);
});

void t.test(
  'an Idempotency-Key replays the first answer and writes nothing new; the same key with another body is refused',
  async (t) => {
    const { app, cumbria, auth, count } = await setup(t);
    const post = (key: string, payload: object = closure) =>
      app.inject({
        method: 'POST',
        url: '/offices/carlisle-8504/notices',
        headers: auth(cumbria, { 'idempotency-key': key }),
        payload,
      });
    const first = await post('key-1');
    t.equal(first.statusCode, 201);
    t.notOk(first.headers['idempotent-replayed']);
    const retry = await post('key-1');
    t.equal(retry.statusCode, 201);
    t.equal(retry.headers['idempotent-replayed'], 'true');
    t.same(retry.json(), first.json(), 'the same answer');
    t.equal(retry.headers.location, first.headers.location);
    t.equal(retry.headers.etag, first.headers.etag);
    t.equal(await count('status_notices'), 1, 'one notice');
    t.equal(await count('status_changes'), 1, 'one change');
    const reused = await post('key-1', { ...closure, message: 'something else' });
    t.equal(reused.statusCode, 422);
    t.match(reused.json(), { type: /idempotency-key-reused/ });
    const bad = await post('bad key with spaces');
    t.equal(bad.statusCode, 400);
    t.match(bad.json(), { detail: /Idempotency-Key/ });
    // Concurrent retries of one request: exactly one notice.
    const racing = await Promise.all(Array.from({ length: 6 }, () => post('key-2', { status: 'open' })));
    t.same(
      racing.map((r) => r.statusCode),
      [201, 201, 201, 201, 201, 201],
    );
    t.equal(new Set(racing.map((r) => r.json<{ noticeId: string }>().noticeId)).size, 1, 'all get the same notice');
    t.equal(await count('status_notices'), 2);
    // A failed attempt leaves no key behind: its retry runs afresh.
    const failed = await app.inject({
      method: 'POST',
      url: '/offices/aberdare-9820/notices',
      headers: auth(cumbria, { 'idempotency-key': 'key-3' }),
      payload: closure,
    });
    t.equal(failed.statusCode, 403);
    const bulk = await app.inject({
      method: 'POST',
      url: '/notices',
      headers: auth(cumbria, { 'idempotency-key': 'key-4' }),
      payload: { ...closure, district: '105' },
    });
    const bulkRetry = await app.inject({
      method: 'POST',
      url: '/notices',
      headers: auth(cumbria, { 'idempotency-key': 'key-4' }),
      payload: { ...closure, district: '105' },
    });
    t.equal(
      bulkRetry.json<{ noticeId: string }>().noticeId,
      bulk.json<{ noticeId: string }>().noticeId,
      'bulk writes replay too',
    );
  },
);

void t.test(
  'If-Match: the ETag read is accepted once; a change made meanwhile gives 412 and is not overwritten',
  async (t) => {
    const { app, cumbria, admin, auth, count } = await setup(t);
    const read = await app.inject('/offices/carlisle-8504');
    const etag = read.headers.etag as string;
    t.ok(etag);
    const first = await app.inject({
      method: 'POST',
      url: '/offices/carlisle-8504/notices',
      headers: auth(cumbria, { 'if-match': etag }),
      payload: closure,
    });
    t.equal(first.statusCode, 201, first.body);
    t.not(first.headers.etag, etag, 'the answer carries the new ETag');
    t.equal(
      (await app.inject('/offices/carlisle-8504')).headers.etag,
      first.headers.etag,
      'which is what a read now sends',
    );
    // A second manager read before the first wrote: refused.
    const late = await app.inject({
      method: 'POST',
      url: '/offices/carlisle-8504/notices',
      headers: auth(admin, { 'if-match': etag }),
      payload: { status: 'open' },
    });
    t.equal(late.statusCode, 412);
    t.match(late.headers['content-type'], /application\/problem\+json/);
    t.match(late.json(), { currentETag: first.headers.etag });
    t.equal(await count('status_notices'), 1);
    t.equal(
      (await app.inject('/offices/carlisle-8504')).json<{ currentStatus: { status: string } }>().currentStatus.status,
      'closed',
      'the closure stands',
    );
    // Two writers with the same ETag at once: exactly one wins.
    const etag2 = (await app.inject('/offices/carlisle-8504')).headers.etag as string;
    const both = await Promise.all([
      app.inject({
        method: 'POST',
        url: '/offices/carlisle-8504/notices',
        headers: auth(cumbria, { 'if-match': etag2 }),
        payload: { status: 'open' },
      }),
      app.inject({
        method: 'POST',
        url: '/offices/carlisle-8504/notices',
        headers: auth(admin, { 'if-match': etag2 }),
        payload: { ...closure, message: 'still closed' },
      }),
    ]);
    t.same(both.map((r) => r.statusCode).sort(), [201, 412]);
    t.equal(await count('status_notices'), 2);
    const star = await app.inject({
      method: 'POST',
      url: '/offices/carlisle-8504/notices',
      headers: auth(cumbria, { 'if-match': '*' }),
      payload: { status: 'open' },
    });
    t.equal(star.statusCode, 201, 'If-Match: * matches any current status');
  },
);

void t.test(
  'corrections and cancellations: in place of the original, once, by managers covering all its offices',
  async (t) => {
    const { app, cumbria, admin, auth } = await setup(t);
    const created = await app.inject({
      method: 'POST',
      url: '/offices/carlisle-8504/notices',
      headers: auth(cumbria),
      payload: closure,
    });
    const { noticeId } = created.json<{ noticeId: string }>();
    const corrected = await app.inject({
      method: 'POST',
      url: `/notices/${noticeId}/correction`,
      headers: auth(cumbria),
      payload: { status: 'delayed', cause: 'weather', expectedReopenAt: '2099-01-01T11:00:00Z' },
    });
    t.equal(corrected.statusCode, 201, corrected.body);
    const correction = corrected.json<{ noticeId: string; kind: string }>();
    t.equal(correction.kind, 'correction');
    t.match((await app.inject('/offices/carlisle-8504')).json(), {
      currentStatus: { status: 'delayed', noticeId: correction.noticeId },
    });
    t.match((await app.inject(`/notices/${noticeId}`)).json(), { replacedById: correction.noticeId });
    const again = await app.inject({
      method: 'POST',
      url: `/notices/${noticeId}/cancellation`,
      headers: auth(cumbria),
    });
    t.equal(again.statusCode, 409, 'the original was already replaced');
    t.match(again.json(), { replacedById: correction.noticeId });
    const cancelled = await app.inject({
      method: 'POST',
      url: `/notices/${correction.noticeId}/cancellation`,
      headers: auth(cumbria),
      payload: {},
    });
    t.equal(cancelled.statusCode, 201, cancelled.body);
    t.match((await app.inject('/offices/carlisle-8504')).json(), { currentStatus: { status: 'open', noticeId: null } });
    const reasons = (await app.inject('/changes'))
      .json<{ changes: { reason: string }[] }>()
      .changes.map((c) => c.reason);
    t.same(reasons, ['notice', 'correction', 'cancellation']);
    // Scope: a notice covering an office outside the manager's districts cannot be replaced by them.
    const wide = await app.inject({
      method: 'POST',
      url: '/notices',
      headers: auth(admin),
      payload: { ...closure, offices: ['carlisle-8504', 'aberdare-9820'] },
    });
    const wideId = wide.json<{ noticeId: string }>().noticeId;
    t.equal(
      (await app.inject({ method: 'POST', url: `/notices/${wideId}/cancellation`, headers: auth(cumbria) })).statusCode,
      403,
    );
    t.equal(
      (
        await app.inject({
          method: 'POST',
          url: `/notices/${cancelled.json<{ noticeId: string }>().noticeId}/correction`,
          headers: auth(admin),
          payload: closure,
        })
      ).statusCode,
      409,
      'a cancellation cannot be replaced',
    );
    t.equal(
      (
        await app.inject({
          method: 'POST',
          url: '/notices/00000000-0000-4000-8000-000000000000/cancellation',
          headers: auth(admin),
        })
      ).statusCode,
      404,
    );
    t.equal(
      (await app.inject({ method: 'POST', url: '/notices/not-a-uuid/cancellation', headers: auth(admin) })).statusCode,
      400,
    );
  },
);

void t.test(
  'disruption events: create, close by event, add offices, end reopens only what the event closed',
  async (t) => {
    const { app, cumbria, auth, cumbriaOffices } = await setup(t);
    const [a, b, c] = cumbriaOffices as [string, string, string];
    const created = await app.inject({
      method: 'POST',
      url: '/events',
      headers: auth(cumbria),
      payload: { name: 'Snow in Cumbria, November 2026', offices: [a, b] },
    });
    t.equal(created.statusCode, 201, created.body);
    const event = created.json<{ id: string; officeIds: string[] }>();
    t.same(event.officeIds, [a, b].sort());
    const closeAll = await app.inject({
      method: 'POST',
      url: '/notices',
      headers: auth(cumbria),
      payload: { ...closure, event: event.id },
    });
    t.equal(closeAll.statusCode, 201, closeAll.body);
    t.equal(closeAll.json<{ officeCount: number }>().officeCount, 2);
    const added = await app.inject({
      method: 'POST',
      url: `/events/${event.id}/offices`,
      headers: auth(cumbria),
      payload: { offices: [c, a] },
    });
    t.equal(added.statusCode, 200);
    t.same(added.json<{ officeIds: string[] }>().officeIds, [a, b, c].sort());
    t.match(
      (await app.inject(`/offices/${c}`)).json(),
      { currentStatus: { status: 'open' } },
      'joining an event does not change a status',
    );
    // b is closed again for another reason: ending the snow event must leave it closed.
    await app.inject({
      method: 'POST',
      url: `/offices/${b}/notices`,
      headers: auth(cumbria),
      payload: { status: 'closed', cause: 'flooding' },
    });
    t.equal(
      (
        await app.inject({
          method: 'POST',
          url: `/events/${event.id}/offices`,
          headers: auth(cumbria),
          payload: { offices: ['aberdare-9820'] },
        })
      ).statusCode,
      403,
      'out of scope',
    );
    const ended = await app.inject({
      method: 'POST',
      url: `/events/${event.id}/end`,
      headers: auth(cumbria),
      payload: { message: 'Open as normal' },
    });
    t.equal(ended.statusCode, 200, ended.body);
    t.match(ended.json(), { reopened: [a], leftAsIs: [b] });
    t.match((await app.inject(`/offices/${a}`)).json(), {
      currentStatus: { status: 'open', message: 'Open as normal', eventId: event.id },
    });
    t.match((await app.inject(`/offices/${b}`)).json(), { currentStatus: { status: 'closed', cause: 'flooding' } });
    t.equal(
      (await app.inject({ method: 'POST', url: `/events/${event.id}/end`, headers: auth(cumbria) })).statusCode,
      409,
      'an event ends once',
    );
    t.equal(
      (
        await app.inject({
          method: 'POST',
          url: '/notices',
          headers: auth(cumbria),
          payload: { ...closure, event: event.id },
        })
      ).statusCode,
      409,
      'an ended event takes no notice',
    );
    const list = (await app.inject('/events?state=ended')).json<{ events: { id: string; officeCount: number }[] }>();
    t.match(list.events, [{ id: event.id, officeCount: 3 }]);
    t.same((await app.inject('/events')).json(), { events: [] }, 'no active event');
  },
);

void t.test(
  'ending an event cancels its closures that have not started yet, and needs scope over every office in it',
  async (t) => {
    const { app, cumbria, auth, cumbriaOffices, database } = await setup(t);
    const wales = await issueToken(database.db, {
      name: 'wales manager',
      role: 'manager',
      districtCodes: ['101'],
      createdBy: 'test',
    });
    const [a, b] = cumbriaOffices as [string, string];
    const event = (
      await app.inject({
        method: 'POST',
        url: '/events',
        headers: auth(cumbria),
        payload: { name: 'Snow forecast', offices: [a, b] },
      })
    ).json<{ id: string }>();
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const scheduled = await app.inject({
      method: 'POST',
      url: '/notices',
      headers: auth(cumbria),
      payload: { ...closure, event: event.id, from: later },
    });
    t.equal(scheduled.statusCode, 201);
    const scheduledId = scheduled.json<{ noticeId: string }>().noticeId;
    const refused = await app.inject({ method: 'POST', url: `/events/${event.id}/end`, headers: auth(wales) });
    t.equal(refused.statusCode, 403, 'a manager of other districts cannot end it, even with every office open');
    const ended = await app.inject({ method: 'POST', url: `/events/${event.id}/end`, headers: auth(cumbria) });
    t.equal(ended.statusCode, 200, ended.body);
    t.match(ended.json(), { reopened: [], cancelledScheduledNoticeIds: [scheduledId] });
    t.match((await app.inject(`/notices/${scheduledId}`)).json(), { replacedById: /^[0-9a-f-]{36}$/ });
    const noticesOfA = await database.db
      .selectFrom('office_status')
      .select(['office_id', 'next_transition_at'])
      .where('office_id', '=', a)
      .executeTakeFirstOrThrow();
    t.equal(noticesOfA.next_transition_at, null, 'nothing is due any more: the closure will not start');
  },
);
