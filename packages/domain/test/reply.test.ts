import t from 'tap';
import { composeStatusReply, weightedLength, type OfficeChange } from '../src/index.js';

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
const open = (officeName: string, extra: Partial<OfficeChange> = {}): OfficeChange => ({ officeName, status: 'open', cause: null, expectedReopenAt: null, reopenCertainty: 'unknown', ...extra });

void t.test('a named office: its status, cause and reopening, politely, in the language asked', async (t) => {
  const cases: [string, Parameters<typeof composeStatusReply>[0], string][] = [
    ['closed, live hours', { language: 'en', asked: [closed('Carlisle')], now: LIVE }, 'Thanks for asking. Carlisle is closed because of severe weather. It is expected to reopen at 09:00 tomorrow.'],
    ['open', { language: 'en', asked: [open('Carlisle')], now: LIVE }, 'Thanks for asking. Carlisle is open as normal.'],
    [
      'three Leeds offices, two states',
      { language: 'en', asked: [open('Leeds Eastgate'), closed('Leeds Park Place'), open('Leeds Southern House')], now: LIVE },
      'Thanks for asking. Leeds Park Place is closed because of severe weather. It is expected to reopen at 09:00 tomorrow. Leeds Eastgate and Leeds Southern House are open as normal.',
    ],
    ['Welsh', { language: 'cy', asked: [closed('Swansea', { welshName: 'Abertawe' })], now: LIVE }, 'Diolch am ofyn. Mae Abertawe ar gau oherwydd tywydd garw. Disgwylir iddi ailagor am 09:00 yfory.'],
    ['Welsh, open', { language: 'cy', asked: [open('Wrexham', { welshName: 'Wrecsam' })], now: LIVE }, 'Diolch am ofyn. Mae Wrecsam ar agor fel arfer.'],
    ['Welsh, two open: the list as posts write it', { language: 'cy', asked: [open('Bangor'), open('Caernarfon')], now: LIVE }, 'Diolch am ofyn. Mae Bangor a Chaernarfon ar agor fel arfer.'],
    ['about tomorrow', { language: 'en', asked: [open('Kendal')], later: true, now: LIVE }, 'Thanks for asking. Kendal is open as normal. We will post here if that changes.'],
    [
      'outside live hours',
      { language: 'en', asked: [closed('Carlisle')], now: EVENING },
      'Thanks for asking. Carlisle is closed because of severe weather. It is expected to reopen at 09:00 tomorrow. Our team is here 09:00-17:00 Monday to Friday if you need more help.',
    ],
    ['outside live hours, Welsh', { language: 'cy', asked: [open('Bangor')], now: EVENING }, 'Diolch am ofyn. Mae Bangor ar agor fel arfer. Mae ein tîm yma 09:00-17:00 o ddydd Llun i ddydd Gwener os oes angen rhagor o help arnoch.'],
  ];
  for (const [name, input, expected] of cases) t.equal(composeStatusReply(input), expected, name);
});

void t.test('no office named: a short summary of the account', async (t) => {
  t.equal(composeStatusReply({ language: 'en', asked: [], cluster: { total: 22, disrupted: [] }, now: LIVE }), 'Thanks for asking. All 22 of our offices are open as normal.');
  t.equal(
    composeStatusReply({ language: 'en', asked: [], cluster: { total: 22, disrupted: [closed('Carlisle'), closed('Kendal')] }, now: LIVE }),
    'Thanks for asking. Carlisle and Kendal are closed because of severe weather. They are expected to reopen at 09:00 tomorrow. Our other 20 offices are open as normal.',
  );
  const many = Array.from({ length: 15 }, (_, i) => closed(`Office number ${i}`, { cause: i % 2 ? 'flooding' : 'weather', expectedReopenAt: new Date(Date.UTC(2026, 10, 27, 9 + (i % 5))) }));
  t.equal(
    composeStatusReply({ language: 'en', asked: [], cluster: { total: 22, disrupted: many }, now: LIVE }),
    'Thanks for asking. 15 of our 22 offices are closed or opening late: our latest posts say which. The others are open as normal.',
  );
  t.equal(composeStatusReply({ language: 'cy', asked: [], cluster: { total: 12, disrupted: [] }, now: LIVE }), "Diolch am ofyn. Mae pob un o'n 12 swyddfa ar agor fel arfer.");
});

void t.test('always within 280, in whole sentences', async (t) => {
  const names = Array.from({ length: 30 }, (_, i) => closed(`A rather long office name ${i}`, { cause: (['weather', 'flooding', 'staffing'] as const)[i % 3], expectedReopenAt: new Date(Date.UTC(2026, 10, 27, 8 + (i % 9))) }));
  for (const language of ['en', 'cy'] as const) {
    for (const now of [LIVE, EVENING]) {
      const reply = composeStatusReply({ language, asked: names, later: true, now });
      t.ok(weightedLength(reply) <= 280, `${language}: ${weightedLength(reply)}`);
      t.match(reply, /\.$/, 'ends with a whole sentence');
    }
  }
});
