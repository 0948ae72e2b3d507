import fc from 'fast-check';
import t from 'tap';
import {
  composeSignpostReply,
  composeStatusReply,
  isXUsername,
  weightedLength,
  type OfficeChange,
} from '../src/index.js';

// Thursday 26 November 2026: 10:00 GMT (live hours) and 20:00 (not).
const LIVE = new Date('2026-11-26T10:00:00Z');
const EVENING = new Date('2026-11-26T20:00:00Z');
const closed = (officeName: string, extra: Partial<OfficeChange> = {}): OfficeChange => ({
  officeName,
  status: 'closed',
  cause: 'weather',
  expectedReopenAt: new Date('2026-11-27T09:00:00Z'),
  reopenCertainty: 'expected',
  ...extra,
});
const open = (officeName: string, extra: Partial<OfficeChange> = {}): OfficeChange => ({
  officeName,
  status: 'open',
  cause: null,
  expectedReopenAt: null,
  reopenCertainty: 'unknown',
  ...extra,
});

void t.test('a named office: its status, cause and reopening, politely, in the language asked', async (t) => {
  const cases: [string, Parameters<typeof composeStatusReply>[0], string][] = [
    [
      'closed, live hours',
      { language: 'en', asked: [closed('Carlisle')], now: LIVE },
      'Thanks for asking. Carlisle is closed because of severe weather. It is expected to reopen at 09:00 tomorrow.',
    ],
    [
      'open',
      { language: 'en', asked: [open('Carlisle')], now: LIVE },
      'Thanks for asking. Carlisle is open as normal.',
    ],
    [
      'three Leeds offices, two states',
      {
        language: 'en',
        asked: [open('Leeds Eastgate'), closed('Leeds Park Place'), open('Leeds Southern House')],
        now: LIVE,
      },
      'Thanks for asking. Leeds Park Place is closed because of severe weather. It is expected to reopen at 09:00 tomorrow. Leeds Eastgate and Leeds Southern House are open as normal.',
    ],
    [
      'Welsh',
      { language: 'cy', asked: [closed('Swansea', { welshName: 'Abertawe' })], now: LIVE },
      'Diolch am ofyn. Mae Abertawe ar gau oherwydd tywydd garw. Disgwylir iddi ailagor am 09:00 yfory.',
    ],
    [
      'Welsh, open',
      { language: 'cy', asked: [open('Wrexham', { welshName: 'Wrecsam' })], now: LIVE },
      'Diolch am ofyn. Mae Wrecsam ar agor fel arfer.',
    ],
    [
      'Welsh, two open: the list as posts write it',
      { language: 'cy', asked: [open('Bangor'), open('Caernarfon')], now: LIVE },
      'Diolch am ofyn. Mae Bangor a Chaernarfon ar agor fel arfer.',
    ],
    [
      'about tomorrow',
      { language: 'en', asked: [open('Kendal')], later: true, now: LIVE },
      'Thanks for asking. Kendal is open as normal. We will post here if that changes.',
    ],
    [
      'outside live hours',
      { language: 'en', asked: [closed('Carlisle')], now: EVENING },
      'Thanks for asking. Carlisle is closed because of severe weather. It is expected to reopen at 09:00 tomorrow. Our team is here 09:00-17:00 Monday to Friday if you need more help.',
    ],
    [
      'outside live hours, Welsh',
      { language: 'cy', asked: [open('Bangor')], now: EVENING },
      'Diolch am ofyn. Mae Bangor ar agor fel arfer. Mae ein tîm yma 09:00-17:00 o ddydd Llun i ddydd Gwener os oes angen rhagor o help arnoch.',
    ],
  ];
  for (const [name, input, expected] of cases) t.equal(composeStatusReply(input), expected, name);
});

void t.test('no office named: a short summary of the account', async (t) => {
  t.equal(
    composeStatusReply({ language: 'en', asked: [], account: { total: 22, disrupted: [] }, now: LIVE }),
    'Thanks for asking. All 22 of our offices are open as normal.',
  );
  t.equal(
    composeStatusReply({
      language: 'en',
      asked: [],
      account: { total: 22, disrupted: [closed('Carlisle'), closed('Kendal')] },
      now: LIVE,
    }),
    'Thanks for asking. Carlisle and Kendal are closed because of severe weather. They are expected to reopen at 09:00 tomorrow. Our other 20 offices are open as normal.',
  );
  const many = Array.from({ length: 15 }, (_, i) =>
    closed(`Office number ${i}`, {
      cause: i % 2 ? 'flooding' : 'weather',
      expectedReopenAt: new Date(Date.UTC(2026, 10, 27, 9 + (i % 5))),
    }),
  );
  t.equal(
    composeStatusReply({ language: 'en', asked: [], account: { total: 22, disrupted: many }, now: LIVE }),
    'Thanks for asking. 15 of our 22 offices are closed or opening late: our latest posts say which. The others are open as normal.',
  );
  t.equal(
    composeStatusReply({ language: 'cy', asked: [], account: { total: 12, disrupted: [] }, now: LIVE }),
    "Diolch am ofyn. Mae pob un o'n 12 swyddfa ar agor fel arfer.",
  );
});

void t.test('always within 280, in whole sentences', async (t) => {
  const names = Array.from({ length: 30 }, (_, i) =>
    closed(`A rather long office name ${i}`, {
      cause: (['weather', 'flooding', 'staffing'] as const)[i % 3],
      expectedReopenAt: new Date(Date.UTC(2026, 10, 27, 8 + (i % 9))),
    }),
  );
  for (const language of ['en', 'cy'] as const) {
    for (const now of [LIVE, EVENING]) {
      const reply = composeStatusReply({ language, asked: names, later: true, now });
      t.ok(weightedLength(reply) <= 280, `${language}: ${weightedLength(reply)}`);
      t.match(reply, /\.$/, 'ends with a whole sentence');
    }
  }
});

const USER15 = 'abcdefghijklmno';

void t.test('the to option: the reply starts with the @handle and still fits', async (t) => {
  t.equal(
    composeStatusReply({ language: 'en', asked: [open('Carlisle')], now: LIVE, to: 'citizen' }),
    '@citizen Thanks for asking. Carlisle is open as normal.',
  );
  t.equal(
    composeStatusReply({
      language: 'cy',
      asked: [open('Wrexham', { welshName: 'Wrecsam' })],
      now: LIVE,
      to: 'dinesydd',
    }),
    '@dinesydd Diolch am ofyn. Mae Wrecsam ar agor fel arfer.',
  );
  t.equal(
    composeStatusReply({ language: 'en', asked: [open('Carlisle')], now: LIVE, to: '' }),
    'Thanks for asking. Carlisle is open as normal.',
    'an empty username adds nothing',
  );
  const names = Array.from({ length: 30 }, (_, i) =>
    closed(`A rather long office name ${i}`, {
      cause: (['weather', 'flooding', 'staffing'] as const)[i % 3],
      expectedReopenAt: new Date(Date.UTC(2026, 10, 27, 8 + (i % 9))),
    }),
  );
  for (const language of ['en', 'cy'] as const) {
    for (const now of [LIVE, EVENING]) {
      const reply = composeStatusReply({ language, asked: names, later: true, now, to: USER15 });
      t.ok(reply.startsWith(`@${USER15} `), 'starts with the handle');
      t.ok(weightedLength(reply) <= 280, `${language}: ${weightedLength(reply)}`);
      t.match(reply, /\.$/, 'ends with a whole sentence');
      const summary = composeStatusReply({
        language,
        asked: [],
        account: { total: 40, disrupted: names },
        later: true,
        now,
        to: USER15,
      });
      t.ok(
        summary.startsWith(`@${USER15} `) && weightedLength(summary) <= 280,
        `summary ${language}: ${weightedLength(summary)}`,
      );
    }
  }
});

void t.test('the to option: the choice between naming every office and the summary counts the @handle', async (t) => {
  // Without the handle this fits (265); with "@abcdefghijklmno " (17 more) it would not, so
  // rather than drop "Our other 20 offices …" (or a disrupted office) it gives the summary.
  const disrupted = [
    closed('Leeds Southern House'),
    closed('Bradford Westgate Gate House', { cause: 'flooding', expectedReopenAt: new Date('2026-11-27T10:00:00Z') }),
  ];
  const without = composeStatusReply({ language: 'en', asked: [], account: { total: 22, disrupted }, now: LIVE });
  t.equal(weightedLength(without), 265);
  t.match(without, /Our other 20 offices are open as normal\.$/);
  t.equal(
    composeStatusReply({ language: 'en', asked: [], account: { total: 22, disrupted }, now: LIVE, to: USER15 }),
    `@${USER15} Thanks for asking. 2 of our 22 offices are closed or opening late: our latest posts say which. The others are open as normal.`,
  );
});

void t.test('every office of the account disrupted: no "other 0 offices"', async (t) => {
  t.equal(
    composeStatusReply({
      language: 'en',
      asked: [],
      account: { total: 1, disrupted: [closed('Carlisle')] },
      now: LIVE,
    }),
    'Thanks for asking. Carlisle is closed because of severe weather. It is expected to reopen at 09:00 tomorrow.',
  );
  t.equal(
    composeStatusReply({
      language: 'cy',
      asked: [],
      account: { total: 1, disrupted: [closed('Swansea', { welshName: 'Abertawe' })] },
      now: LIVE,
    }),
    'Diolch am ofyn. Mae Abertawe ar gau oherwydd tywydd garw. Disgwylir iddi ailagor am 09:00 yfory.',
  );
  t.equal(
    composeStatusReply({
      language: 'en',
      asked: [],
      account: { total: 2, disrupted: [closed('Carlisle')] },
      now: LIVE,
    }),
    'Thanks for asking. Carlisle is closed because of severe weather. It is expected to reopen at 09:00 tomorrow. Our other office is open as normal.',
  );
  const many = Array.from({ length: 15 }, (_, i) =>
    closed(`Office number ${i}`, {
      cause: i % 2 ? 'flooding' : 'weather',
      expectedReopenAt: new Date(Date.UTC(2026, 10, 27, 9 + (i % 5))),
    }),
  );
  t.equal(
    composeStatusReply({ language: 'en', asked: [], account: { total: 15, disrupted: many }, now: LIVE }),
    'Thanks for asking. 15 of our 15 offices are closed or opening late: our latest posts say which.',
  );
  t.equal(
    composeStatusReply({ language: 'cy', asked: [], account: { total: 15, disrupted: many }, now: LIVE }),
    "Diolch am ofyn. Mae 15 o'n 15 swyddfa ar gau neu'n agor yn hwyr: mae ein negeseuon diweddaraf yn dweud pa rai.",
  );
  t.equal(
    composeStatusReply({ language: 'cy', asked: [], account: { total: 22, disrupted: many }, now: LIVE }),
    "Diolch am ofyn. Mae 15 o'n 22 swyddfa ar gau neu'n agor yn hwyr: mae ein negeseuon diweddaraf yn dweud pa rai. Mae'r lleill ar agor fel arfer.",
  );
});

const SIGNPOST_EN =
  'Thank you for your message. Please do not share personal or benefit details here: we cannot discuss claims in public.';
const SIGNPOST_CY =
  "Diolch am eich neges. Peidiwch â rhannu manylion personol neu fanylion budd-daliadau yma: ni allwn drafod hawliadau'n gyhoeddus.";
const LIVE_EN = 'Someone from our team will look at your message.';
const LATER_EN = 'Our team reads messages 09:00-17:00 Monday to Friday.';
const PHONE_EN = 'For help with a claim, please call the helpline for your benefit.';
const LIVE_CY = "Bydd rhywun o'n tîm yn edrych ar eich neges.";
const LATER_CY = 'Mae ein tîm yma 09:00-17:00 o ddydd Llun i ddydd Gwener.';
const PHONE_CY = 'Am help gyda hawliad, ffoniwch y llinell gymorth ar gyfer eich budd-dal.';

void t.test('composeSignpostReply: the exact texts, in English and Welsh, live and out of hours', async (t) => {
  t.equal(
    composeSignpostReply({ language: 'en', now: LIVE, to: 'citizen' }),
    `@citizen ${SIGNPOST_EN} ${LIVE_EN} ${PHONE_EN}`,
  );
  t.equal(
    composeSignpostReply({ language: 'en', now: EVENING, to: 'citizen' }),
    `@citizen ${SIGNPOST_EN} ${LATER_EN} ${PHONE_EN}`,
  );
  t.equal(
    composeSignpostReply({ language: 'en', now: LIVE }),
    `${SIGNPOST_EN} ${LIVE_EN} ${PHONE_EN}`,
    'no handle without to',
  );
  t.equal(
    composeSignpostReply({ language: 'cy', now: LIVE, to: 'dinesydd' }),
    `@dinesydd ${SIGNPOST_CY} ${LIVE_CY} ${PHONE_CY}`,
  );
  t.equal(
    composeSignpostReply({ language: 'cy', now: EVENING, to: 'dinesydd' }),
    `@dinesydd ${SIGNPOST_CY} ${LATER_CY} ${PHONE_CY}`,
  );
  t.equal(
    composeSignpostReply({
      language: 'en',
      now: EVENING,
      to: 'citizen',
      liveHours: { days: [1, 2, 3, 4, 5, 6, 7], start: '08:00', end: '20:00' },
    }),
    `@citizen ${SIGNPOST_EN} Our team reads messages 08:00-20:00 every day. ${PHONE_EN}`,
  );
  t.equal(
    composeSignpostReply({
      language: 'cy',
      now: EVENING,
      liveHours: { days: [1, 2, 3, 4, 5, 6, 7], start: '08:00', end: '20:00' },
    }),
    `${SIGNPOST_CY} Mae ein tîm yma 08:00-20:00 bob dydd. ${PHONE_CY}`,
    'shorter hours: the Welsh helpline sentence fits',
  );
});

void t.test('composeSignpostReply: live hours are London time, 09:00-17:00 Monday to Friday by default', async (t) => {
  const cases: [string, string, boolean][] = [
    // Thursday 26 November 2026, GMT (London = UTC).
    ['2026-11-26T08:59:59Z', 'GMT 08:59:59', false],
    ['2026-11-26T09:00:00Z', 'GMT 09:00', true],
    ['2026-11-26T16:59:59Z', 'GMT 16:59:59', true],
    ['2026-11-26T17:00:00Z', 'GMT 17:00', false],
    ['2026-11-28T10:00:00Z', 'GMT Saturday 10:00', false],
    ['2026-11-29T10:00:00Z', 'GMT Sunday 10:00', false],
    ['2026-11-30T10:00:00Z', 'GMT Monday 10:00', true],
    // Wednesday 1 July 2026, BST (London = UTC + 1).
    ['2026-07-01T07:59:59Z', 'BST 08:59:59', false],
    ['2026-07-01T08:00:00Z', 'BST 09:00', true],
    ['2026-07-01T15:59:59Z', 'BST 16:59:59', true],
    ['2026-07-01T16:00:00Z', 'BST 17:00 (16:00 UTC)', false],
    ['2026-07-01T16:30:00Z', 'BST 17:30 (16:30 UTC)', false],
    ['2026-07-04T10:00:00Z', 'BST Saturday', false],
    // Friday 3 July 2026 23:30 UTC is Saturday 00:30 in London.
    ['2026-07-03T23:30:00Z', 'BST Saturday 00:30', false],
  ];
  for (const [at, name, live] of cases) {
    const now = new Date(at);
    const en = composeSignpostReply({ language: 'en', now, to: 'citizen' });
    const cy = composeSignpostReply({ language: 'cy', now, to: 'citizen' });
    t.equal(en.includes(LIVE_EN), live, `en ${name}: live sentence`);
    t.equal(en.includes(LATER_EN), !live, `en ${name}: out-of-hours sentence`);
    t.equal(cy.includes(LIVE_CY), live, `cy ${name}: live sentence`);
    t.equal(cy.includes(LATER_CY), !live, `cy ${name}: out-of-hours sentence`);
  }
});

void t.test(
  'composeSignpostReply: starts with @user, within 280 for any username, only its own sentences',
  async (t) => {
    for (const language of ['en', 'cy'] as const) {
      for (const now of [LIVE, EVENING]) {
        const reply = composeSignpostReply({ language, now, to: USER15 });
        t.ok(reply.startsWith(`@${USER15} `), `${language} starts with the handle`);
        t.ok(weightedLength(reply) <= 280, `${language} ${now.toISOString()}: ${weightedLength(reply)}`);
        t.match(reply, /\.$/);
        t.ok(
          reply.includes(language === 'en' ? SIGNPOST_EN : SIGNPOST_CY),
          'the do-not-share sentence is always there',
        );
      }
    }
    // The longest (Welsh, every sentence, a 15-character username) fits whole.
    for (const now of [LIVE, EVENING])
      t.ok(composeSignpostReply({ language: 'cy', now, to: USER15 }).endsWith(PHONE_CY), 'nothing dropped');
    // @ts-expect-error the citizen's text cannot even be passed
    composeSignpostReply({ language: 'en', now: LIVE, text: 'my NI number is QQ123456C' });

    // Every text it may give after the handle: the fixed sentences, the helpline one perhaps dropped.
    const allowed = new Set(
      (
        [
          [SIGNPOST_EN, LIVE_EN, LATER_EN, PHONE_EN],
          [SIGNPOST_CY, LIVE_CY, LATER_CY, PHONE_CY],
        ] as const
      ).flatMap(([text, live, later, phone]) =>
        [live, later].flatMap((when) => [`${text} ${when} ${phone}`, `${text} ${when}`]),
      ),
    );
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_]{1,15}$/),
        fc.constantFrom('en' as const, 'cy' as const),
        fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2027-12-31T00:00:00Z'), noInvalidDate: true }),
        (username, language, now) => {
          const reply = composeSignpostReply({ language, now, to: username });
          if (!reply.startsWith(`@${username} `) || weightedLength(reply) > 280) return false;
          // The rest is made only of the fixed sentences: nothing depends on the username.
          return (
            allowed.has(reply.slice(username.length + 2)) &&
            reply.includes(language === 'en' ? SIGNPOST_EN : SIGNPOST_CY)
          );
        },
      ),
      { numRuns: 500, seed: 20260601 },
    );
    t.pass('500 generated usernames and times');
  },
);

void t.test(
  'composeSignpostReply: the Welsh helpline sentence fits out of hours, with the longest handle',
  async (t) => {
    t.ok(composeSignpostReply({ language: 'cy', now: EVENING, to: USER15 }).includes(PHONE_CY));
  },
);

void t.test(
  "the composers refuse a username that breaks X's rule: thrown, never written, and the error does not repeat it",
  async (t) => {
    const hostile = [
      'x URGENT: all jobcentres closed, claim at https://evil.example',
      'citizen ',
      ' citizen',
      'citi zen',
      'a-b',
      'abcdefghijklmnop',
      '@citizen',
      'citizen\n',
      'citizen\u200b',
      'ｃｉｔｉｚｅｎ',
      'citízen',
      'evil.example',
    ];
    for (const to of hostile) {
      for (const language of ['en', 'cy'] as const) {
        const status = () => composeStatusReply({ language, asked: [open('Carlisle')], now: LIVE, to });
        const signpost = () => composeSignpostReply({ language, now: LIVE, to });
        for (const compose of [status, signpost]) {
          let error: unknown;
          try {
            compose();
          } catch (caught) {
            error = caught;
          }
          t.type(error, TypeError, `${JSON.stringify(to)}, ${language}: refused`);
          t.notOk(
            String((error as Error | undefined)?.message).includes(to.trim() || to),
            `${JSON.stringify(to)}: the error does not carry it`,
          );
        }
      }
    }
    // Any string: either a valid username that starts the reply, or a refusal.
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.stringMatching(/^[A-Za-z0-9_]{1,15}$/)), (to) => {
        try {
          const reply = composeStatusReply({ language: 'en', asked: [open('Carlisle')], now: LIVE, to });
          return to === ''
            ? reply.startsWith('Thanks')
            : isXUsername(to) && reply.startsWith(`@${to} Thanks for asking.`);
        } catch (error) {
          return error instanceof TypeError && !isXUsername(to) && to !== '';
        }
      }),
      { numRuns: 1000, seed: 20260601 },
    );
    t.pass('1000 generated usernames');
  },
);
