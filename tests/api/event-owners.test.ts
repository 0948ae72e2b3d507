// Disruption events are owned by the districts (or accounts) that started them: only a
// manager with scope over every owner, or an admin, may add offices to an event, tie a
// notice to it or end it. Before owners, any manager could put offices of their own into
// another district's event, and that district's managers, who cover only their offices,
// could then no longer end it.
import { migrate, issueToken } from '@jcp/db';
import { createTestDatabase } from '@jcp/testing';
import t, { type Test } from 'tap';
import { legacyRegistry, legacyToken } from '../legacy-schema.js';
import { apiFixture, migrations } from './fixture.js';

const closure = { status: 'closed', cause: 'weather', message: 'Closed because of snow' };
const NO_EVENT_ID = '00000000-0000-4000-8000-000000000000';

type Fixture = Awaited<ReturnType<typeof apiFixture>>;

async function setup(t: Test) {
  const f = await apiFixture(t);
  // District 101 (South West Wales): its manager covers Aberdare, none of Cumbria.
  const wales = await issueToken(f.database.db, {
    name: 'wales manager',
    role: 'manager',
    districtCodes: ['101'],
    createdBy: 'test',
  });
  const officesOf = async (district: string) =>
    (
      await f.database.db
        .selectFrom('offices')
        .select('id')
        .where('district_code', '=', district)
        .where('closed_permanently_on', 'is', null)
        .orderBy('id')
        .execute()
    ).map((o) => o.id);
  return { ...f, wales, cumbriaOffices: await officesOf('105'), walesOffices: await officesOf('101') };
}

const post = (f: Fixture, token: { token: string }, url: string, payload?: unknown) =>
  f.app.inject({
    method: 'POST',
    url,
    headers: f.bearer(token),
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });

function isProblem(
  t: Test,
  res: { statusCode: number; headers: Record<string, unknown>; json: () => unknown },
  status: number,
  type: RegExp,
  what: string,
) {
  t.equal(res.statusCode, status, what);
  t.match(res.headers['content-type'], /^application\/problem\+json/, `${what}: problem+json`);
  t.match(res.json(), { status, type, title: String, detail: String }, `${what}: the problem says why`);
}

void t.test(
  "a manager cannot block another district's event from ending by attaching offices; an admin can act on any event",
  async (t) => {
    const f = await setup(t);
    const { cumbria, wales, admin, cumbriaOffices, walesOffices, database } = f;
    const [a, b] = cumbriaOffices as [string, string];
    const [w] = walesOffices as [string];

    // Manager A (Cumbria, district 105) starts an event and closes its offices by it.
    const created = await post(f, cumbria, '/events', { name: 'Snow in Cumbria', offices: [a, b] });
    t.equal(created.statusCode, 201, created.body);
    const event = created.json<{ id: string; owners: unknown }>();
    t.same(event.owners, { districtCodes: ['105'], accountIds: [] }, 'owned by the district that started it');
    t.equal((await post(f, cumbria, '/notices', { ...closure, event: event.id })).statusCode, 201);
    const noticesBefore = await database.db.selectFrom('status_notices').select('id').execute();

    // Manager B (Wales, district 101) tries every way of putting B's office into A's event.
    isProblem(
      t,
      await post(f, wales, `/events/${event.id}/offices`, { offices: [w] }),
      403,
      /\/event-out-of-scope$/,
      "B adds B's office to A's event",
    );
    isProblem(
      t,
      await post(f, wales, `/offices/${w}/notices`, { ...closure, eventId: event.id }),
      403,
      /\/event-out-of-scope$/,
      "B ties a notice of B's office to A's event",
    );
    isProblem(
      t,
      await post(f, wales, '/notices', { ...closure, event: event.id }),
      403,
      /\/event-out-of-scope$/,
      "B closes A's event's offices",
    );
    const refused = await post(f, wales, `/events/${event.id}/end`, {});
    isProblem(t, refused, 403, /\/event-out-of-scope$/, "B ends A's event");
    t.match(refused.json(), { owners: { districtCodes: ['105'], accountIds: [] } }, 'the problem names the owners');
    const now = (await f.app.inject(`/events/${event.id}`)).json<{ officeIds: string[]; endedAt: string | null }>();
    t.same(now.officeIds, [a, b].sort(), "B's office is not in the event");
    t.equal(now.endedAt, null);
    t.match(
      (await f.app.inject(`/offices/${w}`)).json(),
      { currentStatus: { status: 'open', eventId: null } },
      "B's office was not closed by the attempt",
    );
    t.equal(
      (await database.db.selectFrom('status_notices').select('id').execute()).length,
      noticesBefore.length,
      'no notice was written',
    );

    // A ends it, in one call, as before.
    const ended = await post(f, cumbria, `/events/${event.id}/end`, {});
    t.equal(ended.statusCode, 200, ended.body);
    t.same(ended.json<{ reopened: string[] }>().reopened, [a, b].sort());

    // An admin may act on any event: add another district's offices to it, and end it.
    const second = (await post(f, cumbria, '/events', { name: 'Floods', offices: [a] })).json<{ id: string }>();
    isProblem(
      t,
      await post(f, wales, `/events/${second.id}/offices`, { offices: [w] }),
      403,
      /\/event-out-of-scope$/,
      'B again',
    );
    const widened = await post(f, admin, `/events/${second.id}/offices`, { offices: [w] });
    t.equal(widened.statusCode, 200, widened.body);
    const { officeIds, owners } = widened.json<{ officeIds: string[]; owners: unknown }>();
    t.same(
      { officeIds, owners },
      { officeIds: [a, w].sort(), owners: { districtCodes: ['105'], accountIds: [] } },
      'adding offices does not change the owners',
    );
    t.equal(
      (await post(f, wales, `/events/${second.id}/end`, {})).statusCode,
      403,
      'B covers an office of it now, but owns nothing of it',
    );
    isProblem(
      t,
      await post(f, cumbria, `/events/${second.id}/end`, {}),
      403,
      /\/out-of-scope$/,
      'A owns it, but ending needs every office in scope too',
    );
    const byAdmin = await post(f, admin, `/events/${second.id}/end`, {});
    t.equal(byAdmin.statusCode, 200, byAdmin.body);

    // Still: an unknown event is a 404, and an ended one a 409 for its owners.
    t.equal((await post(f, wales, `/events/${NO_EVENT_ID}/end`, {})).statusCode, 404);
    isProblem(
      t,
      await post(f, cumbria, `/events/${event.id}/offices`, { offices: [a] }),
      409,
      /\/event-ended$/,
      'an ended event',
    );
  },
);

void t.test(
  "the owners are the districts of an event's first offices, or the accounts a manager covers them through; an empty event belongs to its starter's scope",
  async (t) => {
    const f = await setup(t);
    const { cumbria, admin, cumbriaOffices, walesOffices, database } = f;
    const [a, b, c] = cumbriaOffices as [string, string, string];
    const [w] = walesOffices as [string];
    // Office a gets an account of its own: account "a-town" inside district 105.
    await database.db.insertInto('accounts').values({ id: 'a-town', name: 'A town', handle: 'JCPinATown' }).execute();
    await database.db.updateTable('offices').set({ account_id: 'a-town' }).where('id', '=', a).execute();
    const town = await issueToken(database.db, {
      name: 'a-town manager',
      role: 'manager',
      accountIds: ['a-town'],
      createdBy: 'test',
    });
    const rest = await issueToken(database.db, {
      name: 'district-105 account manager',
      role: 'manager',
      accountIds: ['district-105'],
      createdBy: 'test',
    });
    const both = await issueToken(database.db, {
      name: 'two districts',
      role: 'manager',
      districtCodes: ['105', '101'],
      createdBy: 'test',
    });
    const owners = async (id: string) => (await f.app.inject(`/events/${id}`)).json<{ owners: unknown }>().owners;

    // An account manager's event is owned by the account: the district's manager (who covers all of
    // it) may act on it, the manager of the district's other account may not.
    const townEvent = (await post(f, town, '/events', { name: 'Burst pipe', offices: [a] })).json<{ id: string }>();
    t.same(await owners(townEvent.id), { districtCodes: [], accountIds: ['a-town'] });
    isProblem(
      t,
      await post(f, rest, `/events/${townEvent.id}/offices`, { offices: [b] }),
      403,
      /\/event-out-of-scope$/,
      "another account's manager of the same district",
    );
    t.equal(
      (await post(f, cumbria, `/events/${townEvent.id}/offices`, { offices: [b] })).statusCode,
      200,
      "the district's manager covers every office of the account",
    );
    isProblem(
      t,
      await post(f, town, `/events/${townEvent.id}/end`, {}),
      403,
      /\/out-of-scope$/,
      'its owner, now that it holds an office outside their account',
    );
    t.equal((await post(f, cumbria, `/events/${townEvent.id}/end`, {})).statusCode, 200);

    // A district manager's event: the account manager covers only part of the district.
    const districtEvent = (await post(f, cumbria, '/events', { name: 'Snow', offices: [a] })).json<{ id: string }>();
    t.same(await owners(districtEvent.id), { districtCodes: ['105'], accountIds: [] });
    isProblem(
      t,
      await post(f, town, `/offices/${a}/notices`, { ...closure, eventId: districtEvent.id }),
      403,
      /\/event-out-of-scope$/,
      "an account manager ties a notice to the district's event",
    );
    t.equal(
      (await post(f, town, `/offices/${a}/notices`, closure)).statusCode,
      201,
      'their office is still theirs to close',
    );

    // Started empty: the starting manager's whole scope; an admin's has no owners (admins only).
    const empty = (await post(f, both, '/events', { name: 'Forecast' })).json<{ id: string }>();
    t.same(await owners(empty.id), { districtCodes: ['101', '105'], accountIds: [] });
    isProblem(
      t,
      await post(f, cumbria, `/events/${empty.id}/offices`, { offices: [c] }),
      403,
      /\/event-out-of-scope$/,
      'an owner of one of its two districts',
    );
    t.equal((await post(f, both, `/events/${empty.id}/offices`, { offices: [c, w] })).statusCode, 200);
    const adminEmpty = (await post(f, admin, '/events', { name: 'National' })).json<{ id: string }>();
    t.same(await owners(adminEmpty.id), { districtCodes: [], accountIds: [] });
    isProblem(
      t,
      await post(f, cumbria, `/events/${adminEmpty.id}/end`, {}),
      403,
      /\/event-out-of-scope$/,
      "a manager, on an admin's empty event",
    );
    t.equal((await post(f, admin, `/events/${adminEmpty.id}/offices`, { offices: [c] })).statusCode, 200);
    // An admin's event with offices belongs to their districts.
    const adminWide = (await post(f, admin, '/events', { name: 'Storm', offices: [c, w] })).json<{ id: string }>();
    t.same(await owners(adminWide.id), { districtCodes: ['101', '105'], accountIds: [] });
    t.equal(
      (await post(f, both, `/events/${adminWide.id}/end`, {})).statusCode,
      200,
      'a manager of both districts ends it',
    );

    // The list shows the owners too, and the document declares them.
    const list = (await f.app.inject('/events?state=all')).json<{ events: { id: string; owners: unknown }[] }>();
    t.same(list.events.find((e) => e.id === townEvent.id)?.owners, { districtCodes: [], accountIds: ['a-town'] });
    const doc = f.app.swagger() as { components: { schemas: Record<string, { required?: string[] }> } };
    t.ok(doc.components.schemas.DisruptionEvent?.required?.includes('owners'), 'DisruptionEvent declares owners');
    t.ok(doc.components.schemas.DisruptionEventSummary?.required?.includes('owners'), 'and the summary');
  },
);

void t.test('migration 0009 gives existing events the owners their start would have given them', async (t) => {
  const database = await createTestDatabase(t, { migrate: false });
  const db = database.db;
  const before = migrations.filter((m) => m.version < 9);
  await migrate(db, before);
  await legacyRegistry(db);
  const cumbria = await legacyToken(
    db,
    { id: '10000000-0000-4000-8000-000000000001', name: 'cumbria: area manager', role: 'manager' },
    ['105'],
    [],
  );
  const account = await legacyToken(
    db,
    { id: '10000000-0000-4000-8000-000000000002', name: 'wales account', role: 'manager' },
    [],
    ['district-101'],
  );
  const ops = await legacyToken(db, { id: '10000000-0000-4000-8000-000000000003', name: 'ops', role: 'admin' }, [], []);
  const actor = (token: typeof cumbria) => `token:${token.record.id}:${token.record.name}`;
  const started = new Date('2026-01-10T06:30:00Z');
  const later = new Date('2026-01-10T07:00:00Z');
  const events = [
    // Cumbria's event, which Wales's manager then joined Aberdare to (the attack).
    {
      id: '00000000-0000-4000-8000-000000000001',
      by: actor(cumbria),
      first: ['carlisle-8504'],
      added: ['aberdare-9820'],
    },
    // Started by an account manager: owned by the account.
    { id: '00000000-0000-4000-8000-000000000002', by: actor(account), first: ['aberdare-9820'], added: [] },
    // Started empty by a manager: its scope.
    { id: '00000000-0000-4000-8000-000000000003', by: actor(cumbria), first: [], added: ['carlisle-8504'] },
    // An admin's, with offices of two districts.
    {
      id: '00000000-0000-4000-8000-000000000004',
      by: actor(ops),
      first: ['carlisle-8504', 'aberdare-9820'],
      added: [],
    },
    // An unknown actor's, started empty: the districts of its offices.
    { id: '00000000-0000-4000-8000-000000000005', by: 'cli', first: [], added: ['aberdare-9820'] },
    // An admin's, empty: admins only.
    { id: '00000000-0000-4000-8000-000000000006', by: actor(ops), first: [], added: [] },
  ];
  for (const e of events) {
    await db
      .insertInto('disruption_events')
      .values({ id: e.id, name: 'Event', started_at: started, created_by: e.by, created_at: started })
      .execute();
    const links = [
      ...e.first.map((office_id) => ({ event_id: e.id, office_id, added_at: started })),
      ...e.added.map((office_id) => ({ event_id: e.id, office_id, added_at: later })),
    ];
    if (links.length > 0) await db.insertInto('disruption_event_offices').values(links).execute();
  }
  t.same(
    await migrate(db, migrations),
    migrations.filter((m) => m.version >= 9).map((m) => m.file),
  );
  const rows = await db
    .selectFrom('disruption_events')
    .select(['id', 'owner_district_codes', 'owner_account_ids'])
    .orderBy('id')
    .execute();
  t.same(
    rows.map((r) => [r.owner_district_codes, r.owner_account_ids]),
    [
      [['105'], []],
      [[], ['district-101']],
      [['105'], []],
      [['101', '105'], []],
      [['101'], []],
      [[], []],
    ],
  );
});
