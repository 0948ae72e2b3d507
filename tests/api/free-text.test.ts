// Free text a caller sends (notice messages, event names and descriptions, token and
// account names, pause reasons, inbox notes, searches) takes no control or format
// character (Unicode Cc, Cf, and the line and paragraph separators): a bidirectional
// override in a public notice could make it read as something else. X's deliveries are
// not a caller's text and pass; text stored before the rule is shown without them.
import { createHmac } from 'node:crypto';
import { appendNotice } from '@jcp/db';
import { codePointName } from '@jcp/domain';
import t from 'tap';
import { apiFixture } from './fixture.js';

const APP_SECRET = 'free-text-test-app-secret';
const closure = { status: 'closed', cause: 'weather' };

/** The characters each field is tried with: bidirectional controls, zero-width and other format characters, C0 and C1 controls, line breaks. */
const HIDDEN = [
  '\u202e',
  '\u2067',
  '\u200b',
  '\ufeff',
  '\u00ad',
  '\u{e0041}',
  '\u0007',
  '\u001b',
  '\u0085',
  '\n',
  '\t',
  '\u2028',
].map((c) => [c, codePointName(c)] as const);

void t.test(
  'every free-text field refuses a control or format character with a 400 problem naming the field, and writes nothing',
  async (t) => {
    const f = await apiFixture(t, { mentions: { appSecret: APP_SECRET } });
    const { app, admin, cumbria, bearer, database } = f;
    const notice = (
      await app.inject({
        method: 'POST',
        url: '/offices/carlisle-8504/notices',
        headers: bearer(cumbria),
        payload: { ...closure, message: 'Closed' },
      })
    ).json<{ noticeId: string }>().noticeId;
    const event = (
      await app.inject({
        method: 'POST',
        url: '/events',
        headers: bearer(cumbria),
        payload: { name: 'Snow', offices: ['carlisle-8504'] },
      })
    ).json<{ id: string }>().id;
    const mention = '1880000000000000001';
    /** [method, url, token, body with the text in it (or null: the text goes in the query), JSON pointer of the field] */
    const fields: [
      'POST' | 'PUT' | 'PATCH' | 'GET',
      string,
      { token: string },
      ((text: string) => Record<string, unknown>) | null,
      string,
    ][] = [
      [
        'POST',
        '/offices/carlisle-8504/notices',
        cumbria,
        (x) => ({ ...closure, message: `Closed ${x}today` }),
        'body/message',
      ],
      [
        'POST',
        '/notices',
        cumbria,
        (x) => ({ ...closure, district: '105', message: `Closed ${x}today` }),
        'body/message',
      ],
      [
        'POST',
        `/notices/${notice}/correction`,
        cumbria,
        (x) => ({ ...closure, message: `Closed ${x}today` }),
        'body/message',
      ],
      ['POST', '/events', cumbria, (x) => ({ name: `Snow ${x}in Cumbria` }), 'body/name'],
      ['POST', '/events', cumbria, (x) => ({ name: 'Snow', description: `Heavy ${x}snow` }), 'body/description'],
      ['POST', `/events/${event}/end`, cumbria, (x) => ({ message: `Open ${x}again` }), 'body/message'],
      ['POST', '/admin/tokens', admin, (x) => ({ name: `phone ${x}lines`, role: 'reader' }), 'body/name'],
      [
        'PUT',
        '/admin/accounts/district-105',
        admin,
        (x) => ({ name: `Cumbria ${x}and Lancashire`, handle: 'JCPinCumbriaLan' }),
        'body/name',
      ],
      ['PATCH', '/admin/accounts/district-105', admin, (x) => ({ name: `Cumbria ${x}and Lancashire` }), 'body/name'],
      ['POST', '/admin/accounts/district-105/pause', admin, (x) => ({ reason: `Checking ${x}posts` }), 'body/reason'],
      ['POST', '/admin/delivery/pause', admin, (x) => ({ reason: `Checking ${x}posts` }), 'body/reason'],
      ['POST', `/inbox/${mention}/handled`, cumbria, (x) => ({ note: `Phoned ${x}back` }), 'body/note'],
      ['POST', `/inbox/${mention}/reopen`, cumbria, (x) => ({ note: `Phoned ${x}back` }), 'body/note'],
      ['GET', '/offices?q=', cumbria, null, 'querystring/q'],
    ];
    const writes = async () => {
      const count = async (table: 'status_notices' | 'disruption_events' | 'api_tokens' | 'audit_log') =>
        Number(
          (
            await database.db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<string>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      return [
        await count('status_notices'),
        await count('disruption_events'),
        await count('api_tokens'),
        await count('audit_log'),
      ];
    };
    const before = await writes();
    for (const [method, url, token, body, field] of fields) {
      for (const [character, name] of HIDDEN) {
        const what = `${method} ${url} ${field} with ${name}`;
        const res = await app.inject({
          method,
          url: body ? url : `${url}${encodeURIComponent(`carl${character}isle`)}`,
          headers: { ...bearer(token), 'content-type': 'application/json' },
          ...(body ? { payload: JSON.stringify(body(character)) } : {}),
        });
        t.equal(res.statusCode, 400, what);
        t.match(res.headers['content-type'], /^application\/problem\+json/, `${what}: problem+json`);
        const pointer = field.slice(field.indexOf('/'));
        t.match(
          res.json(),
          {
            type: /\/invalid-text$/,
            status: 400,
            detail: `${field} must not contain ${name}`,
            errors: [{ path: pointer, message: `must not contain ${name} ` }],
          },
          what,
        );
      }
    }
    // A key is text too.
    const key = await app.inject({
      method: 'POST',
      url: '/events',
      headers: { ...bearer(cumbria), 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'Snow', 'description\u202e': 'x' }),
    });
    t.match(key.json(), { status: 400, detail: /^body\/description\u202e must not contain U\+202E/ });
    t.same(await writes(), before, 'nothing was written');
  },
);

void t.test(
  'Welsh, emoji and flags are text; ZWJ sequences and subdivision flags are refused (the rule is plain: no Cf at all)',
  async (t) => {
    const { app, admin, cumbria, bearer } = await apiFixture(t);
    const fine = [
      'Ar gau heddiw oherwydd eira. Aberdâr, Dŵr, Tŷ, Llŷn',
      'Closed because of snow ❄️ 😀',
      'Flag 🇬🇧',
      'Keycap 1️⃣',
      'Café İstanbul ﬃ 𝕏 Ц ع ש 中文',
      'No-break\u00a0space',
    ];
    for (const text of fine) {
      const notice = await app.inject({
        method: 'POST',
        url: '/offices/carlisle-8504/notices',
        headers: bearer(cumbria),
        payload: { ...closure, message: text },
      });
      t.equal(notice.statusCode, 201, `message ${text}: ${notice.body}`);
      t.equal(
        (await app.inject('/offices/carlisle-8504')).json<{ currentStatus: { message: string } }>().currentStatus
          .message,
        text,
        'shown as sent',
      );
      const event = await app.inject({
        method: 'POST',
        url: '/events',
        headers: bearer(cumbria),
        payload: { name: text, description: text },
      });
      t.equal(event.statusCode, 201, `event ${text}: ${event.body}`);
      t.match(event.json(), { name: text, description: text });
      const token = await app.inject({
        method: 'POST',
        url: '/admin/tokens',
        headers: bearer(admin),
        payload: { name: text.slice(0, 100), role: 'reader' },
      });
      t.equal(token.statusCode, 201, `token ${text}`);
    }
    for (const [text, name] of [
      ['Family 👨‍👩‍👧', 'U+200D'],
      ['Cymru 🏴󠁧󠁢󠁷󠁬󠁳󠁿', 'U+E0067'],
    ] as const) {
      const res = await app.inject({
        method: 'POST',
        url: '/events',
        headers: bearer(cumbria),
        payload: { name: text },
      });
      t.equal(res.statusCode, 400, text);
      t.match(res.json(), { detail: `body/name must not contain ${name}` });
    }
  },
);

void t.test(
  "X's deliveries are not a caller's text: a signed mention with format and control characters, a NUL and an unpaired surrogate is stored, not refused",
  async (t) => {
    const { app, database } = await apiFixture(t, { mentions: { appSecret: APP_SECRET } });
    await database.db
      .updateTable('accounts')
      .set({ x_user_id: '4100000105' })
      .where('id', '=', 'district-105')
      .execute();
    const handle = (
      await database.db
        .selectFrom('accounts')
        .select('handle')
        .where('id', '=', 'district-105')
        .executeTakeFirstOrThrow()
    ).handle;
    const id = '1880000000000000101';
    const text = `@${handle} is carlisle open?\u202e \u200bthanks 👨‍👩‍👧\nsnow \u0000 \ud800`;
    const body = JSON.stringify({
      data: {
        event_type: 'post.mention.create',
        filter: { user_id: '4100000105' },
        payload: { id, text, author_id: '777', created_at: new Date().toISOString(), conversation_id: id },
        includes: { users: [{ id: '777', username: 'snowedin' }] },
      },
    });
    const signature = `sha256=${createHmac('sha256', APP_SECRET).update(body).digest('base64')}`;
    const res = await app.inject({
      method: 'POST',
      url: '/webhooks/x',
      headers: { 'content-type': 'application/json', 'x-twitter-webhooks-signature': signature },
      payload: body,
    });
    t.equal(res.statusCode, 200, res.body);
    t.same(res.json(), { received: 1, stored: 1, duplicates: 0, ignored: 0 });
    const row = await database.db
      .selectFrom('mentions')
      .select('text')
      .where('x_post_id', '=', id)
      .executeTakeFirstOrThrow();
    t.match(row.text, /\u202e/, 'the text is kept as X sent it');
    // What PostgreSQL cannot store is replaced rather than refused (X would deliver it again and again).
    t.ok(row.text.endsWith('snow \uFFFD \uFFFD'), 'a NUL and an unpaired surrogate become U+FFFD');
  },
);

void t.test('text stored before the rule is shown without control or format characters', async (t) => {
  const { app, database } = await apiFixture(t);
  const db = database.db;
  const now = new Date();
  const eventId = '00000000-0000-4000-8000-0000000000e1';
  await db
    .insertInto('disruption_events')
    .values({
      id: eventId,
      name: 'Snow\u202e in Cumbria',
      description: 'Heavy\u200b snow\nstay home',
      started_at: now,
      created_by: 'test',
      created_at: now,
    })
    .execute();
  const notice = await db.transaction().execute((trx) =>
    appendNotice(
      trx,
      {
        officeIds: ['carlisle-8504'],
        author: 'test',
        draft: {
          status: 'closed',
          cause: 'weather',
          message: 'Closed\u202e today\u2066',
          activeFrom: now,
          activeUntil: null,
          expectedReopenAt: null,
          reopenCertainty: 'unknown',
        },
      },
      now,
    ),
  );
  t.match((await app.inject(`/events/${eventId}`)).json(), {
    name: 'Snow in Cumbria',
    description: 'Heavy snow stay home',
  });
  t.match((await app.inject('/events')).json(), {
    events: [{ id: eventId, name: 'Snow in Cumbria', description: 'Heavy snow stay home' }],
  });
  t.match((await app.inject('/offices/carlisle-8504')).json(), {
    currentStatus: { status: 'closed', message: 'Closed today' },
  });
  t.match((await app.inject(`/notices/${notice.id}`)).json(), { message: 'Closed today' });
});
