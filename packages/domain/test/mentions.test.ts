import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import t from 'tap';
import {
  addressTown,
  buildOfficeIndex,
  editDistance,
  officeId,
  REDACTION_KINDS,
  redactPersonalData,
  redactWithKinds,
  understandMention,
  type MentionWhen,
  type OfficeEntry,
} from '../src/index.js';

/** A small RFC 4180 parser: quoted fields with commas, doubled quotes. */
function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (c !== '\r') field += c;
  }
  if (field || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...rest] = rows;
  return rest.filter((r) => r.length > 1).map((r) => Object.fromEntries(header!.map((name, i) => [name, r[i] ?? ''])));
}

const dataDir = fileURLToPath(new URL('../../../data/jobcentres/', import.meta.url));
const officeRows = parseCsv(readFileSync(`${dataDir}offices.csv`, 'utf8'));
const aliasRows = parseCsv(readFileSync(`${dataDir}aliases.csv`, 'utf8'));
const entries: OfficeEntry[] = officeRows.map((o) => ({
  id: officeId(o.office_code!, o.name!),
  name: o.name!,
  accountId: `district-${o.district_code}`,
  postcode: o.postcode!,
  address: o.address!,
  aliases: aliasRows
    .filter((a) => a.office_code === o.office_code && a.office_name === o.name)
    .map((a) => ({ alias: a.alias!, language: a.language === 'cy' ? ('cy' as const) : ('en' as const) })),
}));
const index = buildOfficeIndex(entries);

const WEST_YORKSHIRE = 'district-125';
const SOUTH_WEST_WALES = 'district-101';
const SOUTH_EAST_WALES = 'district-103';
const CUMBRIA = entries.find((e) => e.name === 'Carlisle')!.accountId;
const WREXHAM = entries.find((e) => e.name === 'Wrexham')!.accountId;
const LEEDS = ['leeds-eastgate-6653', 'leeds-park-place-6718', 'leeds-southern-house-6725'];
const CARDIFF = ['cardiff-alexandra-house-9504', 'cardiff-charles-street-9828'];

interface Case {
  text: string;
  account?: string;
  intent: 'status' | 'other';
  offices?: string[];
  when?: MentionWhen;
  language?: 'en' | 'cy';
  stop?: boolean;
}

void t.test('the register loads with the ids the database uses', async (t) => {
  t.equal(entries.length, 631);
  t.ok(entries.some((e) => e.id === 'carlisle-8504'));
  t.ok(entries.find((e) => e.name === 'Swansea')?.aliases.some((a) => a.alias === 'Abertawe' && a.language === 'cy'));
  t.equal(addressTown('Southern House, 529 York Road, Leeds'), 'Leeds');
  t.equal(addressTown('Crown Buildings, Greenbach, Aberdare'), 'Aberdare');
  t.equal(addressTown('37 Sutton New Road, Erdington, Birmingham, West Midlands'), 'Birmingham');
  t.equal(addressTown('Unit 1, Gwent'), null);
  t.equal(editDistance('carlsle', 'carlisle', 2), 1);
  t.equal(editDistance('carlsile', 'carlisle', 2), 1, 'a swap is one edit');
  t.equal(editDistance('abc', 'xyzxyz', 2), 3, 'gives up above the limit');
});

const statusCases: Case[] = [
  // English, plain and casual
  {
    text: '@JCPinWestYorks Is Leeds jobcentre open today?',
    account: WEST_YORKSHIRE,
    intent: 'status',
    offices: LEEDS,
    when: 'today',
  },
  { text: '@JCPinWestYorks r u open 2moro?', account: WEST_YORKSHIRE, intent: 'status', offices: [], when: 'tomorrow' },
  { text: 'Are you open?', intent: 'status', offices: [], when: 'now' },
  { text: 'closed?', intent: 'status', offices: [], when: 'now' },
  { text: 'open tmrw??', intent: 'status', when: 'tomorrow' },
  { text: 'Hi is the office open today', intent: 'status', when: 'today' },
  { text: 'is the jobcentre open tomorrow in the snow??', intent: 'status', when: 'tomorrow' },
  {
    text: 'Is JCP Pudsey shut because of the snow?',
    account: WEST_YORKSHIRE,
    intent: 'status',
    offices: ['pudsey-6769'],
  },
  { text: 'Is Kendal open today?', account: CUMBRIA, intent: 'status', offices: ['kendal-8576'], when: 'today' },
  {
    text: 'Hi, will Leeds Park Place be open on Thursday morning?',
    account: WEST_YORKSHIRE,
    intent: 'status',
    offices: ['leeds-park-place-6718'],
    when: 'thursday',
  },
  {
    text: 'Is Leeds Eastgate opening late today because of the snow?',
    account: WEST_YORKSHIRE,
    intent: 'status',
    offices: ['leeds-eastgate-6653'],
    when: 'today',
  },
  {
    text: 'Is Eastgate open on Monday?',
    account: WEST_YORKSHIRE,
    intent: 'status',
    offices: ['leeds-eastgate-6653'],
    when: 'monday',
  },
  { text: 'what time do you open on friday?', intent: 'status', when: 'friday' },
  { text: 'Are you running as normal today?', intent: 'status', when: 'today' },
  { text: 'Is it open?', intent: 'status', offices: [] },
  { text: 'Newcastle jc shut?', intent: 'status', offices: ['newcastle-city-8884', 'newcastle-east-8888'] },
  {
    text: 'IS CARLISLE JOBCENTRE OPEN TODAYYYY',
    account: CUMBRIA,
    intent: 'status',
    offices: ['carlisle-8504'],
    when: 'today',
  },
  { text: 'Is St. Helens jobcentre open today?', intent: 'status', offices: ['st-helens-7708'], when: 'today' },
  { text: 'Reading jobcentre closed today?', intent: 'status', offices: ['reading-1763'], when: 'today' },
  {
    text: 'anyone know if the dole office in Huddersfield is open this morning',
    account: WEST_YORKSHIRE,
    intent: 'status',
    offices: ['huddersfield-6712'],
    when: 'today',
  },
  { text: 'Are you open Sat?', intent: 'status', when: 'now' },
  { text: 'Are you open on sat?', intent: 'status', when: 'saturday' },
  { text: 'Is the job centre open on Wednesday? https://t.co/abc123', intent: 'status', when: 'wednesday' },
  // appointments
  { text: 'Is my appointment still on today?', intent: 'status', when: 'today' },
  { text: 'Do I still need to attend my appointment tomorrow? Roads are awful', intent: 'status', when: 'tomorrow' },
  {
    text: 'has my appt at Kendal been cancelled because of the snow?',
    account: CUMBRIA,
    intent: 'status',
    offices: ['kendal-8576'],
  },
  // typos
  { text: 'Is Carlsle open?', account: CUMBRIA, intent: 'status', offices: ['carlisle-8504'] },
  { text: 'is Hudersfield jc open?', account: WEST_YORKSHIRE, intent: 'status', offices: ['huddersfield-6712'] },
  { text: 'is wakefeild jobcentre closed', account: WEST_YORKSHIRE, intent: 'status', offices: ['wakefield-6744'] },
  {
    text: 'Is Middlesborough James Cook House open?',
    intent: 'status',
    offices: ['middlesbrough-james-cook-house-8788'],
  },
  // postcodes and towns
  {
    text: 'is LS9 6TF open tomorrow',
    account: WEST_YORKSHIRE,
    intent: 'status',
    offices: ['leeds-southern-house-6725'],
    when: 'tomorrow',
  },
  {
    text: 'Is the jobcentre at CA3 open today?',
    account: CUMBRIA,
    intent: 'status',
    offices: ['carlisle-8504'],
    when: 'today',
  },
  {
    text: 'is ls98zz jobcentre open',
    account: WEST_YORKSHIRE,
    intent: 'status',
    offices: ['leeds-southern-house-6725'],
  },
  {
    text: 'Is Birmingham jobcentre open?',
    intent: 'status',
    offices: ['birmingham-south-west-4602', 'broad-street-birmingham-4604'],
  },
  // Welsh
  {
    text: 'Ydych chi ar agor heddiw?',
    account: SOUTH_WEST_WALES,
    intent: 'status',
    language: 'cy',
    when: 'today',
    offices: [],
  },
  {
    text: "Ydi'r ganolfan waith yn Abertawe ar gau?",
    account: SOUTH_WEST_WALES,
    intent: 'status',
    language: 'cy',
    offices: ['swansea-9854'],
  },
  { text: 'A fydd y ganolfan waith ar agor yfory?', intent: 'status', language: 'cy', when: 'tomorrow' },
  {
    text: 'Ydy swyddfa Caerdydd ar gau dydd Llun?',
    account: SOUTH_EAST_WALES,
    intent: 'status',
    language: 'cy',
    offices: CARDIFF,
    when: 'monday',
  },
  {
    text: 'Ydy Wrecsam ar agor ddydd Gwener?',
    account: WREXHAM,
    intent: 'status',
    language: 'cy',
    offices: ['wrexham-9673'],
    when: 'friday',
  },
  { text: "Bore da, ydych chi'n agor bore 'ma?", intent: 'status', language: 'cy', when: 'today' },
  { text: 'the snow is bad, are you still open', intent: 'status' },
  { text: 'Has the Carlisle office reopened yet?', account: CUMBRIA, intent: 'status', offices: ['carlisle-8504'] },
  { text: 'Oes rhaid i mi ddod i fy apwyntiad yfory?', intent: 'status', language: 'cy', when: 'tomorrow' },
  {
    text: 'Hi I have an appointment at 9 at Southern House, are you open?',
    account: WEST_YORKSHIRE,
    intent: 'status',
    offices: ['leeds-southern-house-6725'],
  },
  { text: 'Is Abertawe open today?', intent: 'status', language: 'en', offices: ['swansea-9854'], when: 'today' },
];

const otherCases: Case[] = [
  { text: 'my claim was closed', intent: 'other' },
  { text: 'Is parking open at Leeds?', account: WEST_YORKSHIRE, intent: 'other', offices: LEEDS },
  { text: 'Are you closing down the Carlisle office?', account: CUMBRIA, intent: 'other', offices: ['carlisle-8504'] },
  { text: 'I told them that you are closed today', intent: 'other' },
  { text: 'How long will my claim take to open?', intent: 'other' },
  { text: 'are the trains running to leeds?', account: WEST_YORKSHIRE, intent: 'other' },
  { text: 'Why was my claim closed?', intent: 'other' },
  { text: 'How do I open a new claim?', intent: 'other' },
  { text: 'when does the job club open for sign ups?', intent: 'other' },
  { text: 'is the UC helpline open', intent: 'other' },
  { text: 'Is the UC helpline open today?', intent: 'other' },
  { text: 'Are the roads closed near Pudsey?', account: WEST_YORKSHIRE, intent: 'other', offices: ['pudsey-6769'] },
  { text: 'you closed my account for no reason?!', intent: 'other' },
  { text: 'can I open a bank account with my UC?', intent: 'other' },
  { text: 'Is the M62 closed?', intent: 'other' },
  { text: 'Are the schools closed tomorrow?', intent: 'other' },
  { text: 'Thanks for letting us know you are closed', intent: 'other' },
  {
    text: 'Thank you so much, staff at Kendal were brilliant',
    account: CUMBRIA,
    intent: 'other',
    offices: ['kendal-8576'],
  },
  { text: 'Why are you never open?!', intent: 'other' },
  { text: 'was the jobcentre closed yesterday?', intent: 'other' },
  { text: 'when is the open day at the jobcentre?', intent: 'other' },
  { text: 'my payment is delayed, why?', intent: 'other' },
  { text: 'When will I get my PIP payment?', intent: 'other' },
  { text: 'Is Tesco open?', intent: 'other' },
  { text: 'Are you open to earning £500 a day? DM me', intent: 'other' },
  { text: 'The jobcentre is closed today', intent: 'other' },
  { text: 'RT @someone: Is Leeds jobcentre open today?', account: WEST_YORKSHIRE, intent: 'other', offices: LEEDS },
  { text: 'Is the phone line open on Saturday?', intent: 'other' },
  { text: 'Is the jobcentre close to the station?', intent: 'other' },
  { text: 'I need help with my universal credit journal', intent: 'other' },
  { text: 'Diolch yn fawr am eich help', intent: 'other', language: 'cy' },
  { text: 'Sut ydw i’n agor cyfrif banc?', intent: 'other', language: 'cy' },
  { text: 'is reading open', intent: 'other', offices: [] },
  { text: 'Please can someone call me back about my ESA', intent: 'other' },
  { text: 'Will the snow stop?', intent: 'other', stop: false },
];

const stopCases: Case[] = [
  { text: 'STOP', intent: 'other', stop: true },
  { text: '@JCPinWestYorks stop', intent: 'other', stop: true },
  { text: 'Please stop', intent: 'other', stop: true },
  { text: 'stop replying to me', intent: 'other', stop: true },
  { text: 'stopiwch', intent: 'other', stop: true, language: 'cy' },
  { text: 'dim mwy', intent: 'other', stop: true, language: 'cy' },
];

void t.test('understandMention: status questions, non-questions and stop requests', async (t) => {
  for (const c of [...statusCases, ...otherCases, ...stopCases]) {
    const got = understandMention(c.text, c.account ?? 'district-none', index);
    t.equal(got.intent, c.intent, `intent: ${c.text}`);
    if (c.offices) t.same([...got.offices].sort(), [...c.offices].sort(), `offices: ${c.text}`);
    if (c.when) t.equal(got.when, c.when, `when: ${c.text}`);
    if (c.language) t.equal(got.language, c.language, `language: ${c.text}`);
    t.equal(got.stop, c.stop ?? false, `stop: ${c.text}`);
  }
});

void t.test('an office of the account beats one elsewhere; a town falls back to the register', async (t) => {
  // "Newport" is both Newport Gwent (South East Wales) and Newport Isle of Wight.
  const gwent = understandMention('Is Newport open?', SOUTH_EAST_WALES, index);
  t.same(gwent.offices, ['newport-gwent-9880']);
  const anywhere = understandMention('Is Newport open?', WEST_YORKSHIRE, index);
  t.equal(anywhere.offices.length, 2);
  t.same(understandMention('Is Guiseley open today?', CUMBRIA, index).offices, ['guiseley-6690']);
  t.equal(
    understandMention('Is Leeds jobcentre open today?', WEST_YORKSHIRE, index).offices.length,
    3,
    'the Leeds alias, not every office with Leeds in its address',
  );
});

void t.test('everyday words are not office names', async (t) => {
  for (const text of [
    'Is the office open today?',
    'open today?',
    'Is the park open in the snow?',
    'is the house open',
    'it needs to open today?',
    'what road is it on?',
  ]) {
    t.same(understandMention(text, WEST_YORKSHIRE, index).offices, [], text);
  }
});

void t.test('redactPersonalData hides NI numbers, phone numbers and email addresses', async (t) => {
  const cases: [string, string][] = [
    ['my NI number is QQ 12 34 56 C', 'my NI number is [NI number]'],
    ['ni qq123456c thanks', 'ni [NI number] thanks'],
    ['call me on 07700 900123', 'call me on [phone]'],
    ['call me on 07700900123.', 'call me on [phone].'],
    ['+44 7700 900123 please', '[phone] please'],
    ['ring 0161 496 0000 or (0161) 496 0000', 'ring [phone] or [phone]'],
    ['+44 (0)161 496 0000', '[phone]'],
    ['email me at jo.bloggs+uc@example.co.uk asap', 'email me at [email] asap'],
    ['QQ123456C, 07700 900123, a@b.com', '[NI number], [phone], [email]'],
    // A full postcode keeps its outward code (the district, which finds the office) and loses its inward code (which finds a house);
    // a date of a recent year (an appointment) and a time stay.
    ['is Carlisle CA3 8DG open at 09:00 on 12/03/2026?', 'is Carlisle CA3 [postcode] open at 09:00 on 12/03/2026?'],
    ['I have 2 kids and 1 dog', 'I have 2 kids and 1 dog'],
  ];
  for (const [input, expected] of cases)
    t.equal(redactPersonalData(input, { now: new Date('2026-11-26T12:00:00Z') }), expected, input);
});

void t.test('redactWithKinds: the same text as redactPersonalData, and each kind found once', async (t) => {
  const cases: [string, string, string[]][] = [
    ['is Carlisle open today?', 'is Carlisle open today?', []],
    ['', '', []],
    ['my NI number is QQ 12 34 56 C', 'my NI number is [NI number]', ['ni-number']],
    ['call me on 07700 900123', 'call me on [phone]', ['phone']],
    ['email me at jo.bloggs+uc@example.co.uk asap', 'email me at [email] asap', ['email']],
    ['QQ123456C and QQ654321A', '[NI number] and [NI number]', ['ni-number']],
    ['ring 0161 496 0000 or (0161) 496 0000 or +44 7700 900123', 'ring [phone] or [phone] or [phone]', ['phone']],
    ['a@b.com, c@d.org', '[email], [email]', ['email']],
    ['QQ123456C, 07700 900123, a@b.com', '[NI number], [phone], [email]', ['email', 'ni-number', 'phone']],
    // Listed in the order the passes find them (emails, then NI numbers, then phones), whatever the order in the text.
    [
      '07700 900123 then QQ123456C then a@b.com',
      '[phone] then [NI number] then [email]',
      ['email', 'ni-number', 'phone'],
    ],
    ['07700 900123 and QQ123456C', '[phone] and [NI number]', ['ni-number', 'phone']],
    ['07700 900123 or jo@example.com', '[phone] or [email]', ['email', 'phone']],
    // An email address made of digits is one email, not a phone number.
    ['07700900123@example.com', '[email]', ['email']],
  ];
  for (const [input, text, kinds] of cases) {
    const got = redactWithKinds(input);
    t.same(got, { text, redacted: kinds }, input);
    t.equal(got.text, redactPersonalData(input), `same text: ${input}`);
    t.equal(new Set(got.redacted).size, got.redacted.length, `each kind once: ${input}`);
    t.ok(
      got.redacted.every((k) => REDACTION_KINDS.includes(k)),
      'the kinds, never the values',
    );
  }
});

void t.test('property: redactWithKinds agrees with redactPersonalData on any text', async (t) => {
  const text = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.string({ unit: fc.constantFrom(...'QAB0123456789 .-+()@ex.com'.split('')), maxLength: 60 }),
  );
  fc.assert(
    fc.property(text, (s) => {
      const got = redactWithKinds(s);
      const order: readonly string[] = REDACTION_KINDS;
      return (
        got.text === redactPersonalData(s) &&
        new Set(got.redacted).size === got.redacted.length &&
        got.redacted.every(
          (k, i) => order.includes(k) && (i === 0 || order.indexOf(k) > order.indexOf(got.redacted[i - 1]!)),
        )
      );
    }),
    { numRuns: 2000, seed: 20260601 },
  );
  t.pass('2000 generated texts');
});

void t.test('property: the output never contains the NI number or email address it was given', async (t) => {
  const letter = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'.split(''));
  const digit = fc.constantFrom(...'0123456789'.split(''));
  const sep = fc.constantFrom('', ' ', '.', '-');
  const pair = fc.tuple(digit, digit).map(([a, b]) => `${a}${b}`);
  const niNumber = fc
    .tuple(
      letter,
      letter,
      sep,
      pair,
      sep,
      pair,
      sep,
      pair,
      fc.option(fc.tuple(sep, fc.constantFrom('A', 'B', 'C', 'D', 'a', 'd'))),
    )
    .map(
      ([a, b, s1, p1, s2, p2, s3, p3, suffix]) =>
        `${a}${b}${s1}${p1}${s2}${p2}${s3}${p3}${suffix ? suffix.join('') : ''}`,
    );
  const local = fc.string({ unit: fc.constantFrom(...'abcxyz019._%+-'.split('')), minLength: 1, maxLength: 12 });
  const label = fc.string({ unit: fc.constantFrom(...'abcxyz019-'.split('')), minLength: 1, maxLength: 8 });
  const tld = fc.string({ unit: letter, minLength: 2, maxLength: 6 });
  const email = fc
    .tuple(local, fc.array(label, { minLength: 1, maxLength: 3 }), tld)
    .map(([l, labels, end]) => `${l}@${labels.join('.')}.${end}`);
  // Words around them without digits or @ (so nothing else can spell the value).
  const filler = fc.string({ unit: fc.constantFrom(...'abc XYZ,?!:'.split('')), maxLength: 20 });
  fc.assert(
    fc.property(filler, niNumber, filler, email, filler, fc.boolean(), (a, ni, b, mail, c, niFirst) => {
      const input = niFirst ? `${a} ${ni} ${b} ${mail} ${c}` : `${a} ${mail} ${b} ${ni} ${c}`;
      const got = redactWithKinds(input);
      return (
        !got.text.includes(ni) &&
        !got.text.includes(mail) &&
        got.redacted.includes('email') &&
        got.redacted.includes('ni-number') &&
        got.text === redactPersonalData(input)
      );
    }),
    { numRuns: 2000, seed: 20260601 },
  );
  t.pass('2000 generated NI numbers and email addresses');
});
