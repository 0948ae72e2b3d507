// What a citizen (or someone posing as X) may write, through the real pipeline: a
// 20,000-character mention does not stall the API (its /healthz answers throughout, over
// real HTTP, while the webhook processes it on a listening server), and personal data in
// every form people write it is never stored nor logged, through the webhook and the poller.
import { createHmac } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { postIdAt } from '@jcp/domain';
import { testServerUrl } from '@jcp/testing';
import { EMULATOR_APP } from '@jcp/use-cases';
import t, { type Test } from 'tap';
import { apiFixture } from '../api/fixture.js';
import { CARLISLE, CUMBRIA } from '../fanout/fixture.js';
import { captureLogger, citizen, mentionsFixture, type Citizen } from './fixture.js';

const X_USER_ID = '4100000000000000105';
const HANDLE = 'JCPinCumbriaLan';

let sequence = 0n;

/** A signed X Activity API delivery of post.mention.create events, as webhook.test.ts sends them. */
function delivery(posts: { from: Citizen; text: string }[]): { body: string; ids: string[]; signature: string } {
  const ids: string[] = [];
  const events = posts.map(({ from, text }) => {
    // A post id of now (X ids carry their time, and a mention is never younger than its id).
    sequence += 1n;
    const id = (BigInt(postIdAt(new Date())) + 2_000_000n + sequence).toString();
    ids.push(id);
    return {
      event_uuid: `uuid-${id}`,
      filter: { user_id: X_USER_ID },
      event_type: 'post.mention.create',
      payload: {
        id,
        text,
        author_id: from.id,
        created_at: new Date().toISOString(),
        conversation_id: id,
        entities: { mentions: [{ start: 0, end: HANDLE.length + 1, username: HANDLE, id: X_USER_ID }] },
      },
      includes: { users: [{ id: from.id, username: from.username }] },
    };
  });
  const body = JSON.stringify({ data: events.length === 1 ? events[0] : events });
  return {
    body,
    ids,
    signature: `sha256=${createHmac('sha256', EMULATOR_APP.appSecret).update(Buffer.from(body, 'utf8')).digest('base64')}`,
  };
}

/** The API on a real port, its X webhook keyed with the emulator app's secret, Cumbria's account known to X; every log line kept. */
async function listeningApi(t: Parameters<typeof apiFixture>[0], logs: string[]) {
  const f = await apiFixture(t, { mentions: { appSecret: EMULATOR_APP.appSecret }, logger: captureLogger(logs) });
  await f.database.db
    .updateTable('accounts')
    .set({ x_user_id: X_USER_ID, handle: HANDLE })
    .where('id', '=', CUMBRIA)
    .execute();
  await f.app.listen({ host: '127.0.0.1', port: 0 });
  const address = f.app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const post = (d: ReturnType<typeof delivery>) =>
    fetch(`${base}/webhooks/x`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-twitter-webhooks-signature': d.signature },
      body: d.body,
    });
  return { ...f, base, post };
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';

/** /healthz over real HTTP, back to back, while `during` runs: every latency. */
async function healthzDuring<T>(base: string, during: () => Promise<T>): Promise<{ result: T; latencies: number[] }> {
  await (await fetch(`${base}/healthz`)).text();
  const latencies: number[] = [];
  let done = false;
  const probe = (async () => {
    while (!done) {
      const start = performance.now();
      const res = await fetch(`${base}/healthz`);
      await res.text();
      if (res.status !== 200) throw new Error(`/healthz answered ${res.status}`);
      latencies.push(performance.now() - start);
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 30));
  const result = await during();
  await new Promise((resolve) => setTimeout(resolve, 30));
  done = true;
  await probe;
  return { result, latencies };
}

void t.test(
  'a 20,000-character mention with a 1,500-letter word and a long run without "@", then a delivery of 50 slow ones, are processed in bounded time, and /healthz answers within 100 ms throughout',
  async (t) => {
    const logs: string[] = [];
    const f = await listeningApi(t, logs);
    const long = (n: number) =>
      `@${HANDLE} is carlisle jobcentre open today? ${(ALPHABET.slice(n % 26) + ALPHABET.slice(0, n % 26)).repeat(60).slice(0, 1_500)} ${'jane.doe.'.repeat(3_000)}`.slice(
        0,
        20_000,
      );
    t.equal(long(0).length, 20_000);
    t.notOk(long(0).includes('@', 1), 'no @ after the mention of the account');
    // A first long mention builds the office index (once per register, about 70 ms of CPU) and
    // warms the code: what is measured is a long mention reaching a running service.
    t.equal((await f.post(delivery([{ from: citizen('first_fay'), text: long(1) }]))).status, 200);

    // Before the fix, every attempt stalled the process for seconds. A machine shared with other
    // work can delay one answer by itself (an idle /healthz here has been seen at 60-130 ms under
    // a load of 13 on two cores), so the process is given three attempts to show a clean run;
    // the processing time is asserted on every attempt.
    let clean = false;
    for (let attempt = 1; attempt <= 3 && !clean; attempt++) {
      const d = delivery([{ from: citizen(`long_winded_${attempt}`), text: long(attempt + 1) }]);
      const { result, latencies } = await healthzDuring(f.base, async () => {
        const start = performance.now();
        const res = await f.post(d);
        return { res, receipt: (await res.json()) as Record<string, number>, ms: performance.now() - start };
      });
      t.equal(result.res.status, 200);
      t.same(result.receipt, { received: 1, stored: 1, duplicates: 0, ignored: 0 });
      t.ok(result.ms < 3_000, `attempt ${attempt}: processed in ${result.ms.toFixed(0)} ms`);
      if (result.ms >= 3_000) break;
      const worst = Math.max(...latencies);
      t.comment(`attempt ${attempt}: ${latencies.length} health checks, the slowest ${worst.toFixed(1)} ms`);
      clean = latencies.length >= 3 && worst < 100;

      const row = await f.database.db
        .selectFrom('mentions')
        .selectAll()
        .where('x_post_id', '=', d.ids[0]!)
        .executeTakeFirstOrThrow();
      t.equal(row.intent, 'status', 'the question at its start is understood');
      t.same(row.offices, [CARLISLE]);
      t.equal(row.decision, 'reply');
      t.equal(row.text.length, 20_000, 'stored whole (X allows 25,000)');
    }
    t.ok(clean, '/healthz answered within 100 ms all through the processing of a long mention');

    // A whole delivery of the slowest kind of text (dates, house numbers and postcodes to redact,
    // about 3 ms each): 50 of 19,000 characters, within the API's body limit of 1 MiB. Their
    // reading gives way to other requests every 10 ms.
    const slow = (i: number) =>
      `@${HANDLE} is carlisle open ${i}? ${'12 High St, CA1 1AA, DOB 1/2/80. '.repeat(600)}`.slice(0, 19_000);
    let cleanMany = false;
    for (let attempt = 1; attempt <= 3 && !cleanMany; attempt++) {
      const d = delivery(
        Array.from({ length: 50 }, (_, i) => ({ from: citizen(`crowd_${attempt}_${i}`), text: slow(i) })),
      );
      const { result, latencies } = await healthzDuring(f.base, async () => {
        const start = performance.now();
        const res = await f.post(d);
        return { res, receipt: (await res.json()) as Record<string, number>, ms: performance.now() - start };
      });
      t.same(result.receipt, { received: 50, stored: 50, duplicates: 0, ignored: 0 });
      t.ok(result.ms < 5_000, `processed in ${result.ms.toFixed(0)} ms`);
      const worst = Math.max(...latencies);
      t.comment(
        `50 long mentions, attempt ${attempt}: processed in ${result.ms.toFixed(0)} ms; ${latencies.length} health checks, the slowest ${worst.toFixed(1)} ms`,
      );
      cleanMany = latencies.length >= 3 && worst < 100;
    }
    // Held to it on PostgreSQL (what CI runs, and production). The embedded PGlite runs the
    // database itself in this thread: storing 50 texts of 19,000 characters in one transaction is
    // WebAssembly work no request can interleave with, whatever the classifier does.
    if (testServerUrl) t.ok(cleanMany, '/healthz answered within 100 ms all through a delivery of 50 long mentions');
    t.notMatch(logs.join('\n'), /jane\.doe|abcdefghij/, 'no text logged');
  },
);

/**
 * Each form of personal data people write: the values as written (never to be stored or
 * logged), and what else of them must not be stored (their letters).
 */
const PERSONAL: { text: string; values: string[]; gone?: RegExp }[] = [
  { text: 'my NI is AB 123 456 C, is the office open?', values: ['AB 123 456 C'], gone: /\bAB\b/ },
  { text: 'NI number AB/12/34/56/C why was my claim closed', values: ['AB/12/34/56/C'], gone: /AB\// },
  { text: 'myNIisAB123456C pls check', values: ['AB123456C'], gone: /isAB/ },
  { text: 'call me on 0044 7700 900123', values: ['0044 7700 900123', '7700 900123'] },
  { text: 'call me on 44 7700 900123', values: ['44 7700 900123'] },
  { text: 'ring +44 (0)7700 900123 thanks', values: ['+44 (0)7700 900123', '7700 900123'] },
  { text: 'my mobile 07700-900-123', values: ['07700-900-123'] },
  { text: 'tel07700900123 please call', values: ['07700900123'] },
  { text: 'landline 0161 496 0000 or 020 7946 0000', values: ['0161 496 0000', '020 7946 0000'] },
  { text: 'email jane . doe @ example . com', values: ['jane . doe @ example . com'], gone: /jane|doe|example/ },
  { text: 'email jane(at)example(dot)com', values: ['jane(at)example(dot)com'], gone: /jane|example/ },
  { text: 'email jane at example dot com', values: ['jane at example dot com'], gone: /jane|example/ },
  { text: 'DOB 01/02/1980 can you check', values: ['01/02/1980'] },
  { text: 'I was born 1 Feb 1980', values: ['1 Feb 1980'], gone: /Feb/ },
  { text: 'my birthday is 1.2.80', values: ['1.2.80'] },
  { text: 'bank account 12345678 sort code 12-34-56', values: ['12345678', '12-34-56'] },
  { text: 'claim number 123456789012 still not paid', values: ['123456789012'] },
  { text: 'I live at 12 Eden Street, CA3 9LZ is my jobcentre open', values: ['12 Eden', 'CA3 9LZ', '9LZ'] },
  {
    text: 'NI ＡＢ１２３４５６Ｃ and phone ０７７００ ９００１２３',
    values: ['ＡＢ１２３４５６Ｃ', '０７７００ ９００１２３'],
    gone: /ＡＢ|Ｃ/,
  },
];

/** Digits left in a stored text: only the outward code of a postcode may keep some. */
const digitsLeft = (text: string) => text.replace(/\bCA3\b/g, '').match(/\p{Nd}/gu) ?? [];

/** Nothing of `p` in `text`. */
function noneOf(t: Test, text: string, p: (typeof PERSONAL)[number], what: string) {
  for (const value of p.values) t.notOk(text.includes(value), `${what}: ${value}`);
  if (p.gone) t.notMatch(text, p.gone, `${what}: ${p.gone}`);
}

void t.test(
  'a delivered mention of any length is stored (cut to 25,000 characters), never ignored: X would not deliver it again',
  async (t) => {
    const f = await listeningApi(t, []);
    const text = (n: number) => `@${HANDLE} is carlisle jobcentre open today? ${'snow '.repeat(n)}`.slice(0, n);
    const d = delivery([
      { from: citizen('long_post_one'), text: text(24_000) },
      { from: citizen('long_post_two'), text: text(60_000) },
    ]);
    const res = await f.post(d);
    t.equal(res.status, 200);
    t.same(await res.json(), { received: 2, stored: 2, duplicates: 0, ignored: 0 });
    const rows = await f.database.db
      .selectFrom('mentions')
      .select(['x_post_id', 'text'])
      .where('x_post_id', 'in', d.ids)
      .execute();
    t.equal(rows.find((r) => r.x_post_id === d.ids[0])?.text.length, 24_000, 'stored whole');
    t.ok((rows.find((r) => r.x_post_id === d.ids[1])?.text.length ?? 0) <= 25_000, 'cut to 25,000');
  },
);

void t.test(
  'every form of personal data in a mention is taken out before it is stored, through the webhook; nothing of it is logged',
  async (t) => {
    const logs: string[] = [];
    const f = await listeningApi(t, logs);
    const d = delivery(
      PERSONAL.map(({ text }, i) => ({ from: citizen(`citizen_pii_${i}`), text: `@${HANDLE} ${text}` })),
    );
    const res = await f.post(d);
    t.equal(res.status, 200);
    t.same(await res.json(), { received: PERSONAL.length, stored: PERSONAL.length, duplicates: 0, ignored: 0 });
    const rows = await f.database.db
      .selectFrom('mentions')
      .select(['x_post_id', 'text', 'redacted', 'offices', 'asked_when', 'reason'])
      .where('x_post_id', 'in', d.ids)
      .execute();
    t.equal(rows.length, PERSONAL.length);
    for (const [i, p] of PERSONAL.entries()) {
      const row = rows.find((r) => r.x_post_id === d.ids[i])!;
      noneOf(t, row.text, p, `not stored (${row.text})`);
      t.same(digitsLeft(row.text), [], `no digit left: ${row.text}`);
      t.ok(row.redacted.length > 0, `kinds recorded: ${row.redacted.join(', ')}`);
      // What is stored from the classification is ids and words of ours, never the citizen's.
      t.ok(
        row.offices.every((o) => /^[a-z0-9-]+$/.test(o)) &&
          ['now', 'today', 'tomorrow', null].includes(row.asked_when) &&
          !/\d{3}/.test(row.reason),
        'classification fields',
      );
      // The API says every kind taken out, as stored (it once knew only three kinds, and dropped the others).
      const read = await f.app.inject({ url: `/mentions/${row.x_post_id}`, headers: f.bearer(f.admin) });
      t.same(
        read.json<{ redacted: string[] }>().redacted,
        row.redacted,
        `the API lists the kinds: ${row.redacted.join(', ')}`,
      );
    }
    const kinds = new Set(rows.flatMap((r) => r.redacted));
    t.same(
      [...kinds].sort(),
      ['date-of-birth', 'email', 'house-number', 'ni-number', 'number', 'phone', 'postcode'],
      'every kind is met',
    );
    const house = rows.find((r) => r.x_post_id === d.ids[PERSONAL.length - 2])!;
    t.match(house.text, /\[house number\] Eden Street, CA3 \[postcode\]/, 'the district of the postcode stays');
    t.same(house.offices, [CARLISLE], 'and finds the office');
    const everything = logs.join('\n');
    for (const p of PERSONAL) noneOf(t, everything, p, 'not logged');
  },
);

void t.test(
  'the same through the poller (recent search on the emulator, the real client), with its logs',
  async (t) => {
    const f = await mentionsFixture(t, { accounts: [CUMBRIA] });
    const handle = await f.handleOf(CUMBRIA);
    const logs: string[] = [];
    const picked = [PERSONAL[0]!, PERSONAL[5]!, PERSONAL[10]!, PERSONAL[13]!, PERSONAL[17]!, PERSONAL[18]!];
    const ids: string[] = [];
    for (const [i, { text }] of picked.entries())
      ids.push(await f.mention(handle, citizen(`polled_pii_${i}`), `@${handle} ${text}`));
    const cycle = await f.newIngester({ logger: captureLogger(logs) }).pollNow();
    t.equal(cycle.stored, picked.length);
    for (const [i, p] of picked.entries()) {
      const row = await f.database.db
        .selectFrom('mentions')
        .select(['text', 'source'])
        .where('x_post_id', '=', ids[i]!)
        .executeTakeFirstOrThrow();
      t.equal(row.source, 'poll');
      noneOf(t, row.text, p, `not stored (${row.text})`);
      t.same(digitsLeft(row.text), [], `no digit left: ${row.text}`);
    }
    const everything = logs.join('\n');
    for (const p of picked) noneOf(t, everything, p, 'not logged');
  },
);

void t.test(
  'a NUL in a mention read from X (PostgreSQL cannot store it) does not fail its page again and again',
  async (t) => {
    const f = await mentionsFixture(t, { accounts: [CUMBRIA] });
    const handle = await f.handleOf(CUMBRIA);
    const id = await f.mention(handle, citizen('nul_nigel'), `@${handle} is carlisle open today?\u0000\u0000`);
    const other = await f.mention(handle, citizen('plain_pat'), `@${handle} is kendal open today?`);
    const cycle = await f.newIngester().pollNow();
    t.equal(cycle.stored, 2, 'both stored in one cycle');
    const row = await f.database.db
      .selectFrom('mentions')
      .select(['text', 'decision'])
      .where('x_post_id', '=', id)
      .executeTakeFirstOrThrow();
    t.equal(row.text, `@${handle} is carlisle open today?\uFFFD\uFFFD`);
    t.equal(row.decision, 'reply');
    t.ok(
      await f.database.db.selectFrom('mentions').select('x_post_id').where('x_post_id', '=', other).executeTakeFirst(),
      'the rest of the page too',
    );
  },
);
