// The redactor against personal data in the forms people write it on X (issue 11, item 6),
// what it must leave alone (an office's district, a date to ask about, a time), and
// generated variants of each form: spacing, separators, prefixes, glued words, full-width
// digits, punctuation and emoji around them. The generators follow the real formats: NI
// prefixes as HMRC allocates them, UK phone numbers of their real lengths.
import fc from 'fast-check';
import t, { type Test } from 'tap';
import { redactWithKinds, type RedactionKind } from '../src/index.js';

const now = new Date('2026-11-26T12:00:00Z');
const redact = (text: string) => redactWithKinds(text, { now });

void t.test('every form of the issue is taken out', async (t) => {
  const cases: [string, string, RedactionKind[]][] = [
    // National Insurance numbers
    ['my NI is AB 123 456 C', 'my NI is [NI number]', ['ni-number']],
    ['AB/12/34/56/C', '[NI number]', ['ni-number']],
    ['myNIisAB123456C', 'myNIis[NI number]', ['ni-number']],
    ['NI: ab-12-34-56-d.', 'NI: [NI number].', ['ni-number']],
    ['ＡＢ１２３４５６Ｃ', '[NI number]', ['ni-number']],
    // Phone numbers
    ['0044 7700 900123', '[phone]', ['phone']],
    ['44 7700 900123', '[phone]', ['phone']],
    ['+44 (0)7700 900123', '[phone]', ['phone']],
    ['07700-900-123', '[phone]', ['phone']],
    ['tel07700900123', 'tel[phone]', ['phone']],
    ['0161 496 0000', '[phone]', ['phone']],
    ['020 7946 0000', '[phone]', ['phone']],
    ['(0161) 496 0000 or 07700.900.123', '[phone] or [phone]', ['phone']],
    ['０７７００ ９００１２３', '[phone]', ['phone']],
    ['𝟎𝟕𝟕𝟎𝟎 𝟗𝟎𝟎𝟏𝟐𝟑', '[phone]', ['phone']],
    ['٠٧٧٠٠ ٩٠٠١٢٣', '[phone]', ['phone']],
    ['0770\u200b0900123', '[phone]', ['phone']],
    // Email addresses
    ['jane . doe @ example . com', '[email]', ['email']],
    ['jane(at)example(dot)com', '[email]', ['email']],
    ['jane at example dot com', '[email]', ['email']],
    ['JANE [AT] EXAMPLE [DOT] CO [DOT] UK', '[email]', ['email']],
    ['jane at gmail please', '[email] please', ['email']],
    ['jane＠example．com', '[email]', ['email']],
    // Dates of birth
    ['DOB 01/02/1980', 'DOB [date of birth]', ['date-of-birth']],
    ['born 1 Feb 1980', 'born [date of birth]', ['date-of-birth']],
    ['1.2.80', '[date of birth]', ['date-of-birth']],
    ['my date of birth is 3rd March', 'my date of birth is [date of birth]', ['date-of-birth']],
    ['born in 1985', 'born in [date of birth]', ['date-of-birth']],
    ['my son was born on 4/5/2021', 'my son was born on [date of birth]', ['date-of-birth']],
    // Account, claim and sort-code numbers: any run of six digits or more
    ['bank account 12345678', 'bank account [number]', ['number']],
    ['sort code 12-34-56', 'sort code [number]', ['number']],
    ['sort code 12-03-24', 'sort code [number]', ['number']],
    ['10-10-20', '[number]', ['number']],
    ['AB 12/03/56 C', '[NI number]', ['ni-number']],
    ['claim ref 9876543', 'claim ref [number]', ['number']],
    ['£123456', '£[number]', ['number']],
    // A house number and a postcode: the district stays
    ['12 High Street, CA1 1AA', '[house number] High Street, CA1 [postcode]', ['postcode', 'house-number']],
    ['flat 3, 14b Eden Road', 'flat [house number], [house number] Eden Road', ['house-number']],
    ['I live at 7 CA3 8DG', 'I live at [house number] CA3 [postcode]', ['postcode', 'house-number']],
  ];
  for (const [input, text, kinds] of cases) t.same(redact(input), { text, redacted: kinds }, input);
});

void t.test(
  'what is not personal stays: the district of a postcode, a date to ask about, a time, small numbers, @names',
  async (t) => {
    for (const text of [
      'is Carlisle CA3 open?',
      'Is the jobcentre open on 1 Feb?',
      'are you open on 24/12/2026?',
      'are you open on 24/12/26?',
      'is it open on 12/03/2018', // a date eight years back: not a date of birth without "born" or "DOB"
      'open 9.30-4.30?',
      'open 9:30 to 16:30 today?',
      'I have 2 kids and 1 dog',
      '@JCP_Cumbria @DWP is carlisle open?',
      'RT @someone: is Leeds open?',
      'open at 9am, 10:30 or 12.15?',
      'room 101 at 3pm',
      'is 12345 my reference?', // five digits: too short to be any of them
      'email me at the office',
      'ydych chi ar agor heddiw? 🙏🏽',
    ]) {
      t.same(redact(text), { text, redacted: [] }, text);
    }
  },
);

void t.test(
  'the original is kept around what is taken out: emoji, combining marks and invisible characters',
  async (t) => {
    t.same(redact('👨‍👩‍👧 ring 07700 900123 👍🏽'), { text: '👨‍👩‍👧 ring [phone] 👍🏽', redacted: ['phone'] });
    t.same(redact('café 0̲7̲7̲0̲0̲9̲0̲0̲1̲2̲3̲ ok'), { text: 'café [phone] ok', redacted: ['phone'] });
    t.same(
      redact('\u202a07700 900123\u202c'),
      { text: '\u202a[phone]\u202c', redacted: ['phone'] },
      'bidi controls around it stay',
    );
  },
);

// --- generated variants ------------------------------------------------------------------

/** Full-width forms (U+FF10 "０" …) of ASCII digits and letters, as East Asian keyboards type them. */
const fullWidth = (s: string) => s.replace(/[0-9A-Za-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
const digitsOf = (n: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));
/** Splits `digits` into groups of the given sizes, joined by `sep`. */
const grouped = (digits: string, sizes: readonly number[], sep: string) => {
  const parts: string[] = [];
  let at = 0;
  for (const size of sizes) {
    parts.push(digits.slice(at, at + size));
    at += size;
  }
  if (at < digits.length) parts.push(digits.slice(at));
  return parts.filter(Boolean).join(sep);
};
const tail = fc.constantFrom('', '.', ',', '!', '?', ' thanks', ', pls help', ' 🙏🏽', ' 👍', '\n');
const anyDigit = /\p{Nd}/u;
const PLACEHOLDERS: Partial<Record<RedactionKind, string>> = {
  phone: '[phone]',
  email: '[email]',
  'date-of-birth': '[date of birth]',
};

/** Each generated value, after each lead-in and before each tail, becomes exactly its placeholder: nothing of it is left, nothing around it is taken. */
function takenOutWhole(t: Test, values: fc.Arbitrary<string>, before: fc.Arbitrary<string>, kind: RedactionKind) {
  fc.assert(
    fc.property(values, before, tail, (value, lead, end) => {
      const got = redact(`${lead}${value}${end}`);
      return got.text === `${lead}${PLACEHOLDERS[kind]}${end}` && got.redacted.join() === kind;
    }),
    RUNS,
  );
  t.pass(`${RUNS.numRuns} of ${kind}`);
}

/** What fast-check runs: many, but a fixed seed, so that a failure is the same failure again. */
const RUNS = { numRuns: Number(process.env.FC_RUNS ?? 600), seed: Number(process.env.FC_SEED ?? 20261126) };

// HMRC: the first letter is not D, F, I, Q, U or V; the second not D, F, I, O, Q, U or V; BG, GB, KN, NK, NT, TN and ZZ are not allocated.
const FIRST = 'ABCEGHJKLMNOPRSTWXYZ'.split('');
const SECOND = 'ABCEGHJKLMNPRSTWXYZ'.split('');
const NOT_ALLOCATED = ['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ'];
const niPrefix = fc
  .tuple(fc.constantFrom(...FIRST), fc.constantFrom(...SECOND))
  .map(([a, b]) => a + b)
  .filter((p) => !NOT_ALLOCATED.includes(p));
const separator = fc.constantFrom('', ' ', '.', '-', '/', '  ');

const niNumber = fc
  .record({
    prefix: niPrefix,
    lower: fc.boolean(),
    digits: digitsOf(6),
    sizes: fc.constantFrom([2, 2, 2], [3, 3], [6], [2, 4]),
    afterPrefix: separator,
    between: separator,
    suffix: fc.option(fc.tuple(fc.constantFrom('', ' ', '.', '-', '/'), fc.constantFrom('A', 'B', 'C', 'D'))),
    wide: fc.constantFrom('none', 'digits', 'all'),
  })
  .map((n) => {
    const prefix = n.lower ? n.prefix.toLowerCase() : n.prefix;
    const digits = n.wide === 'none' ? n.digits : fullWidth(n.digits);
    const value = `${prefix}${n.afterPrefix}${grouped(digits, n.sizes, n.between)}${n.suffix ? n.suffix[0] + (n.lower ? n.suffix[1].toLowerCase() : n.suffix[1]) : ''}`;
    return { value: n.wide === 'all' ? fullWidth(value) : value, glueable: !n.lower };
  });

void t.test(
  'property: an NI number in any spacing, separator, case or width, after any prefix, is taken out whole',
  async (t) => {
    const before = fc.constantFrom(
      '',
      'NI: ',
      'NI ',
      'ni no ',
      'NI number ',
      'national insurance number ',
      'my nino is ',
      'NINO:',
      '(',
      '"',
      '👉 ',
      '🙏🏽',
    );
    fc.assert(
      fc.property(niNumber, before, fc.boolean(), tail, ({ value, glueable }, lead, glue, end) => {
        // Glued to a word: "myNIisAB123456C" (in capitals, as people write it).
        const prefix = glue && glueable ? 'myNIis' : lead;
        const input = `${prefix}${value}${lead === '(' && !glue ? ')' : ''}${end}`;
        const got = redact(input);
        return (
          got.text === `${prefix}[NI number]${lead === '(' && !glue ? ')' : ''}${end}` &&
          got.redacted.join() === 'ni-number'
        );
      }),
      RUNS,
    );
    t.pass(`${RUNS.numRuns} NI numbers`);
  },
);

/** UK numbers of their real lengths: national (0 and 9 or 10 digits) with groups as they are written. */
const ukNumber = fc.oneof(
  fc
    .tuple(digitsOf(9), fc.constantFrom([5, 6], [5, 3, 3], [4, 3, 4], [11]))
    .map(([d, sizes]) => ({ national: `07${d}`, sizes })),
  fc.tuple(digitsOf(8), fc.constant([3, 4, 4])).map(([d, sizes]) => ({ national: `020${d}`, sizes })),
  fc.tuple(digitsOf(9), fc.constantFrom([4, 3, 4], [5, 6])).map(([d, sizes]) => ({ national: `01${d}`, sizes })),
  fc.tuple(digitsOf(8), fc.constant([5, 5])).map(([d, sizes]) => ({ national: `01${d}`, sizes })),
  fc
    .tuple(fc.constantFrom('03', '08'), digitsOf(9), fc.constant([4, 3, 4]))
    .map(([p, d, sizes]) => ({ national: `${p}${d}`, sizes })),
);
const phoneNumber = fc
  .record({
    n: ukNumber,
    form: fc.constantFrom('national', '+44', '+44 (0)', '0044', '44', 'brackets'),
    sep: fc.constantFrom(' ', '-', '.', ''),
    wide: fc.boolean(),
  })
  .map(({ n, form, sep, wide }) => {
    const rest = n.national.slice(1);
    let value: string;
    if (form === 'brackets' && n.sizes.length > 1)
      value = `(${n.national.slice(0, n.sizes[0])}) ${grouped(n.national.slice(n.sizes[0]), n.sizes.slice(1), sep)}`;
    else if (form === 'national' || form === 'brackets') value = grouped(n.national, n.sizes, sep);
    else
      value = `${form === '+44 (0)' ? '+44 (0)' : form}${form === '+44 (0)' ? '' : ' '}${grouped(rest, [n.sizes[0] - 1, ...n.sizes.slice(1)], sep)}`;
    return wide ? fullWidth(value) : value;
  });

void t.test('property: a UK phone number in any of its written forms is taken out whole', async (t) => {
  const before = fc.constantFrom(
    '',
    'call ',
    'ring me on ',
    'tel',
    'tel:',
    'Tel: ',
    'mob ',
    'phone: ',
    'my number is ',
    '📞',
    'landline - ',
  );
  takenOutWhole(t, phoneNumber, before, 'phone');
});

const word = fc.string({ unit: fc.constantFrom(...'abcdefghjklmnopqrsuvwxyz'.split('')), minLength: 2, maxLength: 8 });
const tlds = fc.constantFrom('com', 'org', 'net', 'co.uk', 'org.uk', 'gov.uk', 'ac.uk', 'io', 'scot', 'wales', 'ie');
const emailAddress = fc
  .record({
    first: word,
    second: fc.option(fc.tuple(fc.constantFrom('.', '_', ''), word, fc.constantFrom('', '84', '7'))),
    domain: word,
    tld: tlds,
    provider: fc.constantFrom('gmail', 'hotmail', 'outlook', 'yahoo', 'icloud', 'btinternet'),
    form: fc.constantFrom('plain', 'spaced', '(at)', '[at]', '{at}', ' at ', ' AT ', 'provider'),
    wide: fc.boolean(),
  })
  .map(({ first, second, domain, tld, provider, form, wide }) => {
    // "jane.doe84": its dot is written the way the rest of the address is.
    const local = (dot: string) =>
      second ? `${first}${second[0] === '.' ? dot : second[0]}${second[1]}${second[2]}` : first;
    const [at, dot] = (
      {
        plain: ['@', '.'],
        spaced: [' @ ', ' . '],
        '(at)': ['(at)', '(dot)'],
        '[at]': ['[at]', '[dot]'],
        '{at}': ['{at}', '{dot}'],
        ' at ': [' at ', ' dot '],
        ' AT ': [' AT ', ' DOT '],
        provider: [' at ', '.'],
      } as const
    )[form];
    const value =
      form === 'provider'
        ? `${local('.')}${at}${provider}`
        : `${local(dot)}${at}${domain}${dot}${tld.split('.').join(dot)}`;
    return wide ? value.replace('@', '＠') : value;
  });

void t.test(
  'property: an email address, written plainly or disguised ("(at)", " at ", "dot", spaces), is taken out whole',
  async (t) => {
    const before = fc.constantFrom('', 'email ', 'email me: ', 'contact ', 'e-mail: ', '📧 ', 'write to ');
    takenOutWhole(t, emailAddress, before, 'email');
  },
);

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const ordinal = (d: number) =>
  `${d}${d % 10 === 1 && d !== 11 ? 'st' : d % 10 === 2 && d !== 12 ? 'nd' : d % 10 === 3 && d !== 13 ? 'rd' : 'th'}`;
const dateOfBirth = fc
  .record({
    day: fc.integer({ min: 1, max: 28 }),
    month: fc.integer({ min: 1, max: 12 }),
    year: fc.integer({ min: 1940, max: 2010 }),
    form: fc.integer({ min: 0, max: 8 }),
  })
  .map(({ day, month, year, form }) => {
    const dd = String(day).padStart(2, '0');
    const mm = String(month).padStart(2, '0');
    const name = MONTHS[month - 1]!;
    return [
      `${day}/${month}/${year}`,
      `${dd}/${mm}/${year}`,
      `${day}.${month}.${String(year).slice(2)}`,
      `${dd}-${mm}-${year}`,
      `${day} ${name.slice(0, 3)} ${year}`,
      `${ordinal(day)} ${name} ${year}`,
      `${name} ${day}, ${year}`,
      `${year}-${mm}-${dd}`,
      `${ordinal(day)} of ${name} ${year}`,
    ][form]!;
  });

void t.test(
  'property: a date of birth in any written form is taken out, after "DOB", "born" or "date of birth", or alone when its year is ten years back or more',
  async (t) => {
    const before = fc.constantFrom(
      'DOB ',
      'DOB: ',
      'dob ',
      'd.o.b. ',
      'born ',
      'born on ',
      'date of birth ',
      'date of birth: ',
      'my date of birth is ',
      'birthday ',
      '',
    );
    takenOutWhole(t, dateOfBirth, before, 'date-of-birth');
  },
);

void t.test(
  'property: account, sort-code and claim numbers (any run of six digits or more) are taken out',
  async (t) => {
    const value = fc.oneof(
      digitsOf(8),
      fc.tuple(digitsOf(6), fc.constantFrom('-', ' ', '')).map(([d, sep]) => grouped(d, [2, 2, 2], sep)),
      fc.integer({ min: 6, max: 16 }).chain((n) => digitsOf(n)),
      fc.tuple(digitsOf(9), fc.constantFrom(' ', '-')).map(([d, sep]) => grouped(d, [3, 3, 3], sep)),
    );
    const before = fc.constantFrom(
      '',
      'account ',
      'acc number ',
      'a/c ',
      'sort code ',
      'sort code: ',
      'claim ref ',
      'ref: ',
      'reference ',
      'payment ref #',
      'acc. ',
    );
    fc.assert(
      fc.property(value, before, tail, fc.boolean(), (number, lead, end, wide) => {
        const got = redact(`${lead}${wide ? fullWidth(number) : number}${end}`);
        // A sort code may read as a date (01-01-00): a date of birth then, taken out all the same.
        return (
          ['[number]', '[phone]', '[date of birth]'].some((p) => got.text === `${lead}${p}${end}`) &&
          !anyDigit.test(got.text)
        );
      }),
      RUNS,
    );
    t.pass(`${RUNS.numRuns} numbers`);
  },
);

const postcode = fc
  .record({
    area: fc.constantFrom('A', 'B', 'CA', 'LS', 'M', 'SW', 'EH', 'G', 'CF', 'SA', 'N', 'W'),
    district: fc.integer({ min: 1, max: 99 }),
    letter: fc.option(fc.constantFrom('A', 'B', 'E', 'H', 'M', 'N', 'P', 'R', 'V', 'W', 'X', 'Y')),
    sector: fc.integer({ min: 0, max: 9 }),
    unit: fc.tuple(
      fc.constantFrom(...'ABDEFGHJLNPQRSTUWXYZ'.split('')),
      fc.constantFrom(...'ABDEFGHJLNPQRSTUWXYZ'.split('')),
    ),
    space: fc.constantFrom(' ', '', '  '),
    lower: fc.boolean(),
  })
  .map((p) => {
    const outward = `${p.area}${p.letter && p.district < 10 ? `${p.district}${p.letter}` : p.district}`;
    const inward = `${p.sector}${p.unit.join('')}`;
    const c = (s: string) => (p.lower ? s.toLowerCase() : s);
    return { outward: c(outward), space: p.space, inward: c(inward) };
  });

void t.test('property: a house number and a postcode are taken out; the district (outward code) stays', async (t) => {
  const street = fc.tuple(
    fc.constantFrom('High', 'Church', 'Station', 'Mill', 'Eden', 'Victoria', 'Acacia', "St John's", 'Old Mill'),
    fc.constantFrom(
      'Street',
      'Road',
      'Lane',
      'Avenue',
      'Close',
      'Drive',
      'Way',
      'Crescent',
      'Terrace',
      'Gardens',
      'St',
      'Rd',
    ),
  );
  const house = fc.tuple(fc.integer({ min: 1, max: 999 }), fc.constantFrom('', 'a', 'B')).map(([n, l]) => `${n}${l}`);
  const before = fc.constantFrom('', 'I live at ', 'my address is ', 'address: ', 'send it to ');
  fc.assert(
    fc.property(
      house,
      street,
      fc.constantFrom(', ', ' ', ',\n'),
      postcode,
      before,
      tail,
      (number, [name, type], sep, code, lead, end) => {
        const input = `${lead}${number} ${name} ${type}${sep}${code.outward}${code.space}${code.inward}${end}`;
        const got = redact(input);
        return (
          got.text === `${lead}[house number] ${name} ${type}${sep}${code.outward}${code.space}[postcode]${end}` &&
          got.redacted.join() === 'postcode,house-number'
        );
      },
    ),
    RUNS,
  );
  t.pass(`${RUNS.numRuns} addresses`);
});

void t.test(
  'property: several kinds in one mention, among words, emoji and punctuation: no digit and no address survives',
  async (t) => {
    // Between two of them a word or an emoji (two numbers with only spaces between are one number).
    const filler = fc.constantFrom(
      ' hi ',
      ', please help, ',
      ' 🙏🏽 ',
      ' and ',
      '. Is the office open today? ',
      ' my claim: ',
      '\nthanks\n',
    );
    const piece = fc.oneof(
      niNumber.map((n) => ({ value: n.value, kind: 'ni-number' })),
      phoneNumber.map((value) => ({ value, kind: 'phone' })),
      emailAddress.map((value) => ({ value, kind: 'email' })),
      dateOfBirth.map((value) => ({ value: `DOB ${value}`, kind: 'date-of-birth' })),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(filler, piece), { minLength: 2, maxLength: 5 }), filler, (pieces, end) => {
        const input = pieces.map(([f, p]) => f + p.value).join('') + end;
        const got = redact(input);
        const kinds = new Set(pieces.map(([, p]) => p.kind));
        return (
          !anyDigit.test(got.text) &&
          !/@|＠|\(at\)|\[at\]/i.test(got.text) &&
          [...kinds].every((k) => got.redacted.includes(k as RedactionKind))
        );
      }),
      RUNS,
    );
    t.pass(`${RUNS.numRuns} mixed mentions`);
  },
);
