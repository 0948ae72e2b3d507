import t from 'tap';
import fc from 'fast-check';
import twitterText from 'twitter-text';
import {
  CAUSES,
  CERTAINTIES,
  STATUSES,
  composeStatusPosts,
  isPostableLink,
  welshAnd,
  weightedLength,
  type ComposeAccount,
  type OfficeChange,
} from '../src/index.js';

const weight = (s: string) => twitterText.parseTweet(s).weightedLength;
const valid = (s: string) => twitterText.parseTweet(s).valid;

const EN: ComposeAccount = { handle: '@JCPinCumbria', languages: ['en'], includeLink: false };
const CY: ComposeAccount = { handle: '@JCPinWales', languages: ['en', 'cy'], includeLink: false };
const LINK = 'https://jobcentre-status.example.gov.uk/offices/a-very-long-path/that-is-far-longer-than-23';

// Thursday 26 November 2026, 08:00 GMT.
const NOW = new Date('2026-11-26T08:00:00Z');

const closed = (officeName: string, extra: Partial<OfficeChange> = {}): OfficeChange => ({
  officeName,
  status: 'closed',
  cause: 'weather',
  expectedReopenAt: new Date('2026-11-27T09:00:00Z'),
  reopenCertainty: 'expected',
  ...extra,
});

const only = (account: ComposeAccount, change: OfficeChange, now = NOW) => {
  const posts = composeStatusPosts(account, [change], now);
  return posts.find((p) => p.language === 'en')!.parts.join('\n');
};

/** A part's sentence lines: without the stamp, the link and the numbering. */
const sentencesOf = (part: string, drop: readonly (string | undefined)[] = []) =>
  part
    .split('\n')
    .filter((l) => !drop.includes(l))
    .map((l) => l.replace(/ \(\d+\/\d+\)$/, ''));

/** The office names a sentence lists ("A, B and C are closed …", "Mae A, B ac C ar gau …"). */
const namesIn = (sentence: string) => {
  const list = /^(?:(?:Mae|Nid yw) (.*?) (?:ar|yn|wedi) |(.*?) (?:is|are|has|have) )/.exec(sentence);
  return (list?.[1] ?? list?.[2] ?? '').split(/, | (?:and|ac|a) /);
};

void t.test('each status and certainty has its own wording', async (t) => {
  t.equal(
    only(EN, closed('Carlisle')),
    'Carlisle is closed because of severe weather. It is expected to reopen at 09:00 tomorrow.',
  );
  t.equal(
    only(EN, closed('Carlisle', { reopenCertainty: 'confirmed' })),
    'Carlisle is closed because of severe weather. It will reopen at 09:00 tomorrow.',
  );
  t.equal(
    only(EN, closed('Carlisle', { expectedReopenAt: null, reopenCertainty: 'unknown' })),
    'Carlisle is closed because of severe weather. No reopening time yet.',
  );
  t.equal(
    only(
      EN,
      closed('Carlisle', {
        status: 'delayed',
        cause: 'staffing',
        expectedReopenAt: new Date('2026-11-26T11:00:00Z'),
        reopenCertainty: 'confirmed',
      }),
    ),
    'Carlisle is opening late because of staff shortages. It will open at 11:00 today.',
  );
  t.equal(
    only(
      EN,
      closed('Carlisle', { status: 'delayed', opensAt: new Date('2026-11-26T10:30:00Z'), reopenCertainty: 'expected' }),
    ),
    'Carlisle is opening late because of severe weather. It is expected to open at 10:30 today.',
  );
  t.equal(
    only(EN, closed('Carlisle', { stale: true })),
    'Carlisle is still closed because of severe weather. No new reopening time yet.',
  );
  t.equal(
    only(EN, closed('Carlisle', { expectedReopenAt: new Date('2026-11-30T09:00:00Z') })),
    'Carlisle is closed because of severe weather. It is expected to reopen at 09:00 on Monday 30 November.',
  );
  t.equal(
    only(
      EN,
      closed('Carlisle', {
        expectedReopenAt: null,
        reopenCertainty: 'unknown',
        until: new Date('2026-11-27T12:00:00Z'),
      }),
    ),
    'Carlisle is closed because of severe weather. It will reopen at 12:00 tomorrow.',
  );
  t.equal(
    only(EN, {
      officeName: 'Carlisle',
      status: 'open',
      cause: null,
      expectedReopenAt: null,
      reopenCertainty: 'unknown',
    }),
    'Carlisle is open again.',
  );
  t.equal(
    only(EN, closed('Carlisle', { cause: null })),
    'Carlisle is closed. It is expected to reopen at 09:00 tomorrow.',
  );
});

void t.test('every cause is in plain words, different for each, in both languages', async (t) => {
  const expected: Record<string, string> = {
    weather: 'because of severe weather',
    flooding: 'because of flooding',
    power_failure: 'because of a power cut',
    heating_failure: 'because the heating has failed',
    building: 'because of a problem with the building',
    staffing: 'because of staff shortages',
    security: 'because of a security incident',
    industrial_action: 'because of industrial action',
    other: 'because of an unexpected problem',
  };
  const welsh = new Set<string>();
  for (const cause of CAUSES) {
    const [en, cy] = composeStatusPosts(CY, [closed('Wrexham', { cause })], NOW);
    t.match(en!.parts[0], `Wrexham is closed ${expected[cause]}.`, cause);
    t.match(cy!.parts[0], /^Mae Wrexham ar gau oherwydd [^.]+\. /, cause);
    welsh.add(cy!.parts[0]!);
  }
  t.equal(welsh.size, CAUSES.length, 'no two causes share a Welsh wording');
});

void t.test('Welsh post for a Welsh account, none for an English-only one', async (t) => {
  const changes: OfficeChange[] = [
    closed('Wrecsam', { cause: 'weather', reopenCertainty: 'confirmed' }),
    closed('Yr Wyddgrug', {
      status: 'delayed',
      cause: 'power_failure',
      expectedReopenAt: new Date('2026-11-26T11:00:00Z'),
      reopenCertainty: 'expected',
    }),
    closed('Bangor', {
      cause: 'flooding',
      expectedReopenAt: new Date('2026-11-27T09:00:00Z'),
      reopenCertainty: 'confirmed',
    }),
    { officeName: 'Y Rhyl', status: 'open', cause: null, expectedReopenAt: null, reopenCertainty: 'unknown' },
    closed('Abertawe', { expectedReopenAt: null, reopenCertainty: 'unknown' }),
  ];
  const posts = composeStatusPosts(CY, changes, NOW);
  t.same(
    posts.map((p) => p.language),
    ['en', 'cy'],
  );
  const cy = posts[1]!.parts.join('\n');
  t.match(cy, 'Mae Wrecsam ar gau oherwydd tywydd garw. Bydd yn ailagor am 09:00 yfory.');
  t.match(cy, 'Mae Yr Wyddgrug yn agor yn hwyr oherwydd toriad pŵer. Disgwylir iddi agor am 11:00 heddiw.');
  t.match(cy, 'Mae Y Rhyl ar agor eto.');
  t.match(cy, 'Mae Abertawe ar gau oherwydd tywydd garw. Dim amser ailagor eto.');
  t.notMatch(cy, /because|closed|open again|today|tomorrow/);
  const far = composeStatusPosts(
    CY,
    [closed('Wrecsam', { expectedReopenAt: new Date('2026-11-27T09:00:00Z') })],
    new Date('2026-11-23T08:00:00Z'),
  );
  t.match(far[1]!.parts[0], 'am 09:00 ddydd Gwener 27 Tachwedd');
  t.match(far[0]!.parts[0], 'at 09:00 on Friday 27 November');

  const en = composeStatusPosts(EN, changes, NOW);
  t.same(
    en.map((p) => p.language),
    ['en'],
  );
  t.same(
    composeStatusPosts({ ...EN, languages: [] }, changes, NOW).map((p) => p.language),
    ['en'],
    'English always',
  );
  t.same(composeStatusPosts(CY, [], NOW), [], 'nothing to say, nothing posted');
});

void t.test('times print London local time on both sides of the clock changes', async (t) => {
  // 2026: BST starts Sun 29 March 01:00 GMT, ends Sun 25 October 01:00 GMT.
  const cases: [now: string, reopen: string, words: string][] = [
    ['2026-03-28T12:00:00Z', '2026-03-28T17:00:00Z', 'at 17:00 today'],
    ['2026-03-28T12:00:00Z', '2026-03-29T09:00:00Z', 'at 10:00 tomorrow'],
    ['2026-03-29T00:30:00Z', '2026-03-29T01:30:00Z', 'at 02:30 today'],
    ['2026-03-27T12:00:00Z', '2026-03-30T08:00:00Z', 'at 09:00 on Monday 30 March'],
    ['2026-10-24T12:00:00Z', '2026-10-24T15:00:00Z', 'at 16:00 today'],
    ['2026-10-24T12:00:00Z', '2026-10-25T10:00:00Z', 'at 10:00 tomorrow'],
    ['2026-10-24T23:30:00Z', '2026-10-25T09:00:00Z', 'at 09:00 today'], // now is 00:30 BST on the 25th
    ['2026-10-24T22:30:00Z', '2026-10-25T09:00:00Z', 'at 09:00 tomorrow'], // now is 23:30 BST on the 24th
    ['2026-10-24T22:30:00Z', '2026-10-24T22:45:00Z', 'at 23:45 today'],
  ];
  for (const [now, reopen, words] of cases) {
    t.match(
      only(EN, closed('Carlisle', { expectedReopenAt: new Date(reopen) }), new Date(now)),
      `reopen ${words}.`,
      `${now} -> ${reopen}`,
    );
  }
  const [, cy] = composeStatusPosts(
    CY,
    [closed('Caerdydd', { expectedReopenAt: new Date('2026-03-29T09:00:00Z') })],
    new Date('2026-03-28T12:00:00Z'),
  );
  t.match(cy!.parts[0], 'am 10:00 yfory');
});

void t.test('a link only when the account includes it, once per post, counted as 23', async (t) => {
  const change = closed('Carlisle');
  t.notMatch(
    composeStatusPosts({ ...EN, link: LINK }, [change], NOW)[0]!.parts.join(''),
    'https://',
    'configured but not included',
  );
  const withLink = composeStatusPosts({ ...EN, includeLink: true, link: LINK }, [change], NOW)[0]!.parts;
  t.equal(withLink.length, 1);
  const without = only(EN, change);
  t.equal(withLink[0], `${without}\n${LINK}`);
  t.equal(weight(withLink[0]!), weight(without) + 1 + 23, 'a long URL weighs 23');

  // A post that only fits because the URL weighs 23 and not its length.
  const name = 'N'.repeat(280 - weight(only(EN, closed(''))) - 24);
  const tight = composeStatusPosts({ ...EN, includeLink: true, link: LINK }, [closed(name)], NOW)[0]!.parts;
  t.equal(tight.length, 1);
  t.equal(weight(tight[0]!), 280);
  t.match(tight[0], name, 'name kept whole');

  const many = Array.from({ length: 30 }, (_, i) => closed(`Office ${i + 1}`));
  for (const post of composeStatusPosts({ ...CY, includeLink: true, link: LINK }, many, NOW)) {
    t.ok(post.parts.length > 1);
    t.equal(post.parts.filter((p) => p.includes(LINK)).length, 1, `${post.language}: link once per thread`);
    t.match(post.parts[0], LINK);
  }
});

void t.test('30 offices become a numbered thread, in order, every office exactly once', async (t) => {
  const names = Array.from({ length: 30 }, (_, i) => `Jobcentre Plus Office Number ${String(i + 1).padStart(2, '0')}`);
  const posts = composeStatusPosts(
    CY,
    names.map((n) => closed(n)),
    NOW,
  );
  t.equal(posts.length, 2);
  for (const post of posts) {
    const { parts } = post;
    t.ok(parts.length >= 3, `${post.language}: ${parts.length} parts`);
    parts.forEach((part, i) => {
      t.ok(part.endsWith(` (${i + 1}/${parts.length})`), `${post.language} part ${i + 1} numbered`);
      t.ok(weight(part) <= 280 && valid(part), `${post.language} part ${i + 1} fits`);
    });
    const text = parts.join('\n');
    const seen = [...text.matchAll(/Office Number (\d\d)/g)].map((m) => Number(m[1]));
    t.same(
      seen,
      names.map((_, i) => i + 1),
      `${post.language}: in order, once each`,
    );
    // Packed: no two neighbouring parts could have been one.
    t.ok(parts.length <= Math.ceil(weight(text) / 200), 'parts are filled');
  }
});

void t.test('a single post has no numbering; two that do not fit make a thread of two', async (t) => {
  const one = composeStatusPosts(EN, [closed('Carlisle'), closed('Penrith')], NOW)[0]!.parts;
  t.equal(one.length, 1);
  t.notMatch(one[0], /\(\d+\/\d+\)/);
  const big = (n: string) => closed(`${n} ${'Long Street Jobcentre '.repeat(7)}`);
  const two = composeStatusPosts(EN, [big('North'), big('South')], NOW)[0]!.parts;
  t.equal(two.length, 2);
  t.ok(two[0]!.startsWith('North ') && two[0]!.endsWith(' (1/2)'), two[0] ?? '');
  t.ok(two[1]!.startsWith('South ') && two[1]!.endsWith(' (2/2)'), two[1] ?? '');
  // Ten or more parts: the numbering's width is reserved, and every part still fits.
  const many = composeStatusPosts(
    EN,
    Array.from({ length: 12 }, (_, i) => big(`Office${i}`)),
    NOW,
  )[0]!.parts;
  t.equal(many.length, 12);
  t.ok(many[11]!.endsWith(' (12/12)'));
  for (const part of many) t.ok(weight(part) <= 280, `${weight(part)}`);
});

void t.test('a very long office name still fits, cut with an ellipsis only when it must', async (t) => {
  const long = 'Jobcentre Plus ' + 'Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch '.repeat(20);
  for (const account of [EN, CY, { ...CY, includeLink: true, link: LINK }]) {
    for (const post of composeStatusPosts(account, [closed(long), closed('Bangor')], NOW)) {
      for (const part of post.parts) t.ok(weight(part) <= 280 && valid(part), `${post.language}: ${weight(part)}`);
      const text = post.parts.join('\n');
      t.match(text, /Jobcentre Plus Llanfair[^\n]*… /, 'cut with an ellipsis');
      t.match(
        text,
        post.language === 'en' ? 'is closed because of severe weather.' : 'ar gau oherwydd tywydd garw.',
        'the status survives the cut',
      );
      t.match(text, 'Bangor');
    }
  }
  // A name that fits is never cut.
  const fits = 'Jobcentre Plus Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch';
  t.notMatch(only(EN, closed(fits)), '…');
  // Emoji weigh 2: a name of emoji is cut by weight, not by length.
  const emoji = '🏢'.repeat(300);
  const cut = only(EN, closed(emoji));
  t.ok(weight(cut) <= 280 && weight(cut) > 270, `emoji name: ${weight(cut)}`);
  t.match(cut, '🏢… is closed');
});

const noBreaks = (s: string) => s.replace(/\s/g, '_');

void t.test('property: every part fits, every office appears, for any input', async (t) => {
  const date = fc.date({
    min: new Date('2026-01-01T00:00:00Z'),
    max: new Date('2027-01-01T00:00:00Z'),
    noInvalidDate: true,
  });
  const change: fc.Arbitrary<OfficeChange> = fc.record({
    officeName: fc.oneof(
      fc.string({ minLength: 1, maxLength: 40 }).map(noBreaks),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 400 }).map(noBreaks),
      fc.constantFrom('Wrexham', 'Merthyr Tydfil', 'Ashton-under-Lyne', 'bbc.co.uk office', '#Leeds @Leeds'),
    ),
    status: fc.constantFrom(...STATUSES),
    cause: fc.option(fc.constantFrom(...CAUSES)),
    stale: fc.boolean(),
    expectedReopenAt: fc.option(date),
    reopenCertainty: fc.constantFrom(...CERTAINTIES),
    until: fc.option(date),
  });
  const account: fc.Arbitrary<ComposeAccount> = fc.record({
    handle: fc.constant('@JCPinTest'),
    languages: fc.constantFrom<('en' | 'cy')[]>(['en'], ['en', 'cy'], ['cy']),
    includeLink: fc.boolean(),
    link: fc.constantFrom(LINK, 'https://gov.uk'),
  });
  fc.assert(
    fc.property(account, fc.array(change, { minLength: 1, maxLength: 40 }), date, (acc, changes, now) => {
      const posts = composeStatusPosts(acc, changes, now);
      if (posts.length !== (acc.languages.includes('cy') ? 2 : 1)) return false;
      for (const post of posts) {
        for (const part of post.parts) {
          if (!valid(part) || weight(part) > 280) return false;
          // Never a generic part: each names at least one of the account's offices.
          if (!changes.some((c) => part.includes(c.officeName.normalize('NFC').slice(0, 1)))) return false;
        }
        const links = post.parts.filter((p) => p.includes(acc.link!)).length;
        if (links !== (acc.includeLink ? 1 : 0)) return false;
        // Offices in the same state share a sentence: never more sentences than offices,
        // and every line a complete sentence.
        const lines = post.parts.flatMap((p) => sentencesOf(p, [acc.link]));
        if (lines.length > changes.length || !lines.every((l) => l.endsWith('.'))) return false;
      }
      return true;
    }),
    { numRuns: 300, seed: 20260326 },
  );
  t.pass('300 generated inputs');
});

void t.test('a stamp heads every part, in English and Welsh, in London time', async (t) => {
  // The stamp is London time of stampAt, independent of `now`, across the clock changes.
  const cases: [stampAt: string, en: string, cy: string][] = [
    ['2026-11-26T08:00:00Z', 'Update 26/11 08:00', 'Diweddariad 26/11 08:00'],
    ['2026-11-26T14:05:59Z', 'Update 26/11 14:05', 'Diweddariad 26/11 14:05'],
    ['2026-07-01T14:05:00Z', 'Update 01/07 15:05', 'Diweddariad 01/07 15:05'],
    ['2026-03-29T00:59:00Z', 'Update 29/03 00:59', 'Diweddariad 29/03 00:59'],
    ['2026-03-29T01:00:00Z', 'Update 29/03 02:00', 'Diweddariad 29/03 02:00'],
    ['2026-10-24T23:30:00Z', 'Update 25/10 00:30', 'Diweddariad 25/10 00:30'],
    ['2026-10-25T00:59:00Z', 'Update 25/10 01:59', 'Diweddariad 25/10 01:59'],
    ['2026-10-25T01:00:00Z', 'Update 25/10 01:00', 'Diweddariad 25/10 01:00'],
    ['2026-06-30T23:30:00Z', 'Update 01/07 00:30', 'Diweddariad 01/07 00:30'],
  ];
  for (const [stampAt, en, cy] of cases) {
    const posts = composeStatusPosts(CY, [closed('Wrexham')], NOW, { stampAt: new Date(stampAt) });
    t.same(
      posts.map((p) => p.language),
      ['en', 'cy'],
    );
    t.equal(posts[0]!.parts.length, 1);
    t.equal(posts[0]!.parts[0], `${en}\n${only(CY, closed('Wrexham'))}`, `en ${stampAt}`);
    t.equal(
      posts[1]!.parts[0],
      `${cy}\n${composeStatusPosts(CY, [closed('Wrexham')], NOW)[1]!.parts[0]}`,
      `cy ${stampAt}`,
    );
  }
});

void t.test('the stamp makes the same state posted twice read differently', async (t) => {
  const change = closed('Carlisle');
  const morning = composeStatusPosts(EN, [change], NOW, { stampAt: new Date('2026-11-26T09:00:00Z') })[0]!.parts[0];
  const evening = composeStatusPosts(EN, [change], NOW, { stampAt: new Date('2026-11-26T17:30:00Z') })[0]!.parts[0];
  t.not(morning, evening);
  t.equal(morning!.split('\n').slice(1).join('\n'), evening!.split('\n').slice(1).join('\n'), 'only the stamp differs');
});

void t.test('no stamp unless asked', async (t) => {
  const changes = [closed('Carlisle'), closed('Penrith')];
  for (const options of [undefined, {}, { stampAt: undefined }]) {
    for (const post of composeStatusPosts(CY, changes, NOW, options)) {
      for (const part of post.parts)
        t.notMatch(part, /^(Update|Diweddariad) /, `${post.language} ${JSON.stringify(options)}`);
    }
    t.same(
      composeStatusPosts(CY, changes, NOW, options),
      composeStatusPosts(CY, changes, NOW),
      'same as before the option',
    );
  }
});

void t.test('stamped threads: every part stamped, numbered, within 280, every office once', async (t) => {
  const stampAt = new Date('2026-07-01T14:05:00Z'); // 15:05 BST
  const names = Array.from({ length: 30 }, (_, i) => `Jobcentre Plus Office Number ${String(i + 1).padStart(2, '0')}`);
  const big = (n: string) => closed(`${n} ${'Long Street Jobcentre '.repeat(7)}`);
  const long = 'Jobcentre Plus ' + 'Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch '.repeat(20);
  // Each office's key: a part of its name found once, also in a name cut short.
  const inputs: [string, ComposeAccount, OfficeChange[], keys: string[]][] = [
    ['30 offices', CY, names.map((n) => closed(n)), names],
    ['30 offices with a link', { ...CY, includeLink: true, link: LINK }, names.map((n) => closed(n)), names],
    [
      '12 big offices',
      CY,
      Array.from({ length: 12 }, (_, i) => big(`Office${i}`)),
      Array.from({ length: 12 }, (_, i) => `Office${i} `),
    ],
    [
      'a very long name',
      { ...CY, includeLink: true, link: LINK },
      [closed(long), closed('Bangor')],
      ['Jobcentre Plus Llanfair', 'Bangor'],
    ],
    ['emoji', CY, [closed('🏢'.repeat(300))], ['🏢🏢🏢…']],
  ];
  for (const [label, account, changes, keys] of inputs) {
    const plain = composeStatusPosts(account, changes, NOW);
    for (const post of composeStatusPosts(account, changes, NOW, { stampAt })) {
      const stamp = post.language === 'en' ? 'Update 01/07 15:05' : 'Diweddariad 01/07 15:05';
      const { parts } = post;
      parts.forEach((part, i) => {
        t.ok(part.startsWith(`${stamp}\n`), `${label} ${post.language} part ${i + 1} stamped`);
        t.ok(
          weightedLength(part) <= 280 && valid(part),
          `${label} ${post.language} part ${i + 1}: ${weightedLength(part)}`,
        );
        if (parts.length > 1)
          t.match(
            part,
            new RegExp(` \\(${i + 1}/${parts.length}\\)($|\n)`),
            `${label} ${post.language} part ${i + 1} numbered`,
          );
      });
      const lines = parts.flatMap((p) => sentencesOf(p, [stamp, account.link]));
      t.ok(
        lines.length <= changes.length && lines.every((l) => l.endsWith('.')),
        `${label} ${post.language}: complete sentences`,
      );
      const text = lines.join('\n');
      for (const key of keys) t.equal(text.split(key).length - 1, 1, `${label} ${post.language}: ${key} once`);
      // The stamp takes room: never fewer parts than without it.
      const before = plain.find((p) => p.language === post.language)!.parts.length;
      t.ok(parts.length >= before, `${label} ${post.language}: ${parts.length} parts (${before} unstamped)`);
    }
  }
});

void t.test('a post that fits exactly without the stamp is cut or split to fit with it', async (t) => {
  // One office whose line fills all 280: with the stamp the name is shortened.
  const name = 'N'.repeat(280 - weight(only(EN, closed(''))));
  t.equal(weight(only(EN, closed(name))), 280);
  const stamped = composeStatusPosts(EN, [closed(name)], NOW, { stampAt: NOW })[0]!.parts;
  t.equal(stamped.length, 1);
  t.ok(stamped[0]!.startsWith('Update 26/11 08:00\n'));
  t.ok(weightedLength(stamped[0]!) <= 280, `${weightedLength(stamped[0]!)}`);
  t.match(stamped[0], '… is closed', 'name cut to make room');
  // Two offices (in different states: not one sentence) that just fit in one post
  // become a thread of two with the stamp.
  const confirmed = (n: string) => closed(n, { reopenCertainty: 'confirmed' });
  const room = 280 - 1 - weight(only(EN, closed(''))) - weight(only(EN, confirmed('')));
  const pair = [closed('North'.padEnd(Math.floor(room / 2), 'x')), confirmed('South'.padEnd(Math.ceil(room / 2), 'x'))];
  t.equal(weight(composeStatusPosts(EN, pair, NOW)[0]!.parts[0]!), 280, 'exactly 280 unstamped');
  t.equal(composeStatusPosts(EN, pair, NOW)[0]!.parts.length, 1, 'one post unstamped');
  const thread = composeStatusPosts(EN, pair, NOW, { stampAt: NOW })[0]!.parts;
  t.equal(thread.length, 2, 'two parts stamped');
  for (const part of thread)
    t.ok(
      part.startsWith('Update 26/11 08:00\nNorth') || part.startsWith('Update 26/11 08:00\nSouth'),
      part.slice(0, 20),
    );
});

void t.test('property: stamped, every part fits and starts with the stamp, for any input', async (t) => {
  const date = fc.date({
    min: new Date('2026-01-01T00:00:00Z'),
    max: new Date('2028-01-01T00:00:00Z'),
    noInvalidDate: true,
  });
  const change: fc.Arbitrary<OfficeChange> = fc.record({
    officeName: fc.oneof(
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 400 }).map(noBreaks),
      fc.constantFrom('Wrexham', 'bbc.co.uk office'),
    ),
    status: fc.constantFrom(...STATUSES),
    cause: fc.option(fc.constantFrom(...CAUSES)),
    expectedReopenAt: fc.option(date),
    reopenCertainty: fc.constantFrom(...CERTAINTIES),
  });
  fc.assert(
    fc.property(
      fc.boolean(),
      fc.array(change, { minLength: 1, maxLength: 40 }),
      date,
      date,
      (includeLink, changes, now, stampAt) => {
        const account: ComposeAccount = { ...CY, includeLink, link: LINK };
        const time = new Intl.DateTimeFormat('en-GB', {
          timeZone: 'Europe/London',
          day: '2-digit',
          month: '2-digit',
          hour: '2-digit',
          minute: '2-digit',
          hourCycle: 'h23',
        })
          .format(stampAt)
          .replace(',', '');
        for (const post of composeStatusPosts(account, changes, now, { stampAt })) {
          const stamp = `${post.language === 'en' ? 'Update' : 'Diweddariad'} ${time}`;
          for (const part of post.parts) {
            if (!part.startsWith(`${stamp}\n`) || !valid(part) || weightedLength(part) > 280) return false;
          }
          const lines = post.parts.flatMap((p) => sentencesOf(p, [stamp, LINK]));
          if (lines.length > changes.length || !lines.every((l) => l.endsWith('.'))) return false;
        }
        return true;
      },
    ),
    { numRuns: 200, seed: 20261026 },
  );
  t.pass('200 generated inputs');
});

const text = (account: ComposeAccount, changes: OfficeChange[], language: 'en' | 'cy', now = NOW) =>
  composeStatusPosts(account, changes, now)
    .find((p) => p.language === language)!
    .parts.join('\n');

const offices = (names: string[], extra: Partial<OfficeChange> = {}) => names.map((n) => closed(n, extra));

void t.test('offices in the same state share one sentence, in English', async (t) => {
  const late = { status: 'delayed', cause: 'staffing', expectedReopenAt: new Date('2026-11-26T11:00:00Z') } as const;
  const cases: [label: string, changes: OfficeChange[], expected: string][] = [
    [
      'one office: unchanged',
      offices(['Carlisle']),
      'Carlisle is closed because of severe weather. It is expected to reopen at 09:00 tomorrow.',
    ],
    [
      'two',
      offices(['Carlisle', 'Kendal']),
      'Carlisle and Kendal are closed because of severe weather. They are expected to reopen at 09:00 tomorrow.',
    ],
    [
      'three',
      offices(['Barrow', 'Carlisle', 'Kendal']),
      'Barrow, Carlisle and Kendal are closed because of severe weather. They are expected to reopen at 09:00 tomorrow.',
    ],
    [
      'confirmed',
      offices(['Barrow', 'Kendal'], { reopenCertainty: 'confirmed' }),
      'Barrow and Kendal are closed because of severe weather. They will reopen at 09:00 tomorrow.',
    ],
    [
      'unknown',
      offices(['Barrow', 'Kendal'], { reopenCertainty: 'unknown' }),
      'Barrow and Kendal are closed because of severe weather. They may reopen at 09:00 tomorrow.',
    ],
    [
      'no time',
      offices(['Barrow', 'Kendal'], { expectedReopenAt: null }),
      'Barrow and Kendal are closed because of severe weather. No reopening time yet.',
    ],
    [
      'no cause',
      offices(['Barrow', 'Kendal'], { cause: null }),
      'Barrow and Kendal are closed. They are expected to reopen at 09:00 tomorrow.',
    ],
    [
      'stale',
      offices(['Barrow', 'Kendal'], { stale: true }),
      'Barrow and Kendal are still closed because of severe weather. No new reopening time yet.',
    ],
    ['open', offices(['Barrow', 'Kendal'], { status: 'open', cause: null }), 'Barrow and Kendal are open again.'],
    [
      'late, confirmed',
      offices(['Barrow', 'Kendal'], { ...late, reopenCertainty: 'confirmed' }),
      'Barrow and Kendal are opening late because of staff shortages. They will open at 11:00 today.',
    ],
    [
      'late, expected',
      offices(['Barrow', 'Kendal'], { ...late }),
      'Barrow and Kendal are opening late because of staff shortages. They are expected to open at 11:00 today.',
    ],
    [
      'late, unknown',
      offices(['Barrow', 'Kendal'], { ...late, reopenCertainty: 'unknown' }),
      'Barrow and Kendal are opening late because of staff shortages. They may open at 11:00 today.',
    ],
    [
      'late, stale',
      offices(['Barrow', 'Kendal'], { ...late, stale: true }),
      'Barrow and Kendal have not opened yet because of staff shortages. No new reopening time yet.',
    ],
    [
      'the same words from a reopening time and a notice end',
      [
        closed('Barrow', { reopenCertainty: 'confirmed', expectedReopenAt: new Date('2026-11-27T12:00:00Z') }),
        closed('Kendal', { expectedReopenAt: null, until: new Date('2026-11-27T12:00:00Z') }),
      ],
      'Barrow and Kendal are closed because of severe weather. They will reopen at 12:00 tomorrow.',
    ],
    [
      'names tidied before listing',
      offices(['  Barrow\n', 'Kendal   Town']),
      'Barrow and Kendal Town are closed because of severe weather. They are expected to reopen at 09:00 tomorrow.',
    ],
  ];
  for (const [label, changes, expected] of cases) t.equal(text(EN, changes, 'en'), expected, label);
});

void t.test('offices in the same state share one sentence, in Welsh, with "a" or "ac"', async (t) => {
  const late = { status: 'delayed', cause: 'staffing', expectedReopenAt: new Date('2026-11-26T11:00:00Z') } as const;
  const cases: [label: string, changes: OfficeChange[], expected: string][] = [
    [
      'one office: unchanged',
      offices(['Wrecsam']),
      'Mae Wrecsam ar gau oherwydd tywydd garw. Disgwylir iddi ailagor am 09:00 yfory.',
    ],
    [
      'three, "a" before a consonant',
      offices(['Barrow', 'Carlisle', 'Kendal']),
      'Mae Barrow, Carlisle a Kendal ar gau oherwydd tywydd garw. Disgwylir iddynt ailagor am 09:00 yfory.',
    ],
    [
      '"ac" before a vowel',
      offices(['Aberdâr', 'Abertawe']),
      'Mae Aberdâr ac Abertawe ar gau oherwydd tywydd garw. Disgwylir iddynt ailagor am 09:00 yfory.',
    ],
    [
      '"ac" before Y',
      offices(['Caerffili', 'Ystrad Mynach']),
      'Mae Caerffili ac Ystrad Mynach ar gau oherwydd tywydd garw. Disgwylir iddynt ailagor am 09:00 yfory.',
    ],
    [
      '"ac" before an accented vowel',
      offices(['Bangor', 'Ôl-ddinas']),
      'Mae Bangor ac Ôl-ddinas ar gau oherwydd tywydd garw. Disgwylir iddynt ailagor am 09:00 yfory.',
    ],
    [
      'only the last name decides',
      offices(['Abertawe', 'Wrecsam']),
      'Mae Abertawe a Wrecsam ar gau oherwydd tywydd garw. Disgwylir iddynt ailagor am 09:00 yfory.',
    ],
    [
      'confirmed',
      offices(['Bangor', 'Wrecsam'], { reopenCertainty: 'confirmed' }),
      'Mae Bangor a Wrecsam ar gau oherwydd tywydd garw. Byddant yn ailagor am 09:00 yfory.',
    ],
    [
      'unknown',
      offices(['Bangor', 'Wrecsam'], { reopenCertainty: 'unknown' }),
      'Mae Bangor a Wrecsam ar gau oherwydd tywydd garw. Efallai y byddant yn ailagor am 09:00 yfory.',
    ],
    [
      'no time',
      offices(['Bangor', 'Wrecsam'], { expectedReopenAt: null }),
      'Mae Bangor a Wrecsam ar gau oherwydd tywydd garw. Dim amser ailagor eto.',
    ],
    [
      'stale',
      offices(['Bangor', 'Wrecsam'], { stale: true }),
      'Mae Bangor a Wrecsam yn dal ar gau oherwydd tywydd garw. Dim amser ailagor newydd eto.',
    ],
    ['open', offices(['Bangor', 'Wrecsam'], { status: 'open', cause: null }), 'Mae Bangor a Wrecsam ar agor eto.'],
    [
      'late, confirmed',
      offices(['Bangor', 'Wrecsam'], { ...late, reopenCertainty: 'confirmed' }),
      'Mae Bangor a Wrecsam yn agor yn hwyr oherwydd prinder staff. Byddant yn agor am 11:00 heddiw.',
    ],
    [
      'late, expected',
      offices(['Bangor', 'Wrecsam'], { ...late }),
      'Mae Bangor a Wrecsam yn agor yn hwyr oherwydd prinder staff. Disgwylir iddynt agor am 11:00 heddiw.',
    ],
    [
      'late, unknown',
      offices(['Bangor', 'Wrecsam'], { ...late, reopenCertainty: 'unknown' }),
      'Mae Bangor a Wrecsam yn agor yn hwyr oherwydd prinder staff. Efallai y byddant yn agor am 11:00 heddiw.',
    ],
    [
      'late, stale',
      offices(['Bangor', 'Wrecsam'], { ...late, stale: true }),
      'Nid yw Bangor a Wrecsam wedi agor eto oherwydd prinder staff. Dim amser ailagor newydd eto.',
    ],
  ];
  for (const [label, changes, expected] of cases) t.equal(text(CY, changes, 'cy'), expected, label);
});

void t.test('mixed states: one sentence per state, in order of first appearance', async (t) => {
  const changes: OfficeChange[] = [
    closed('Carlisle'),
    { officeName: 'Penrith', status: 'open', cause: null, expectedReopenAt: null, reopenCertainty: 'unknown' },
    closed('Kendal', { reopenCertainty: 'confirmed' }),
    closed('Barrow'),
    closed('Workington', { expectedReopenAt: new Date('2026-11-30T09:00:00Z') }), // another day: another sentence
    closed('Keswick', { cause: 'flooding' }), // another cause: another sentence
    { officeName: 'Aberdâr', status: 'open', cause: null, expectedReopenAt: null, reopenCertainty: 'confirmed' },
    closed('Maryport', { stale: true }),
    closed('Abertawe'),
  ];
  const cases: [language: 'en' | 'cy', expected: string[]][] = [
    [
      'en',
      [
        'Carlisle, Barrow and Abertawe are closed because of severe weather. They are expected to reopen at 09:00 tomorrow.',
        'Penrith and Aberdâr are open again.',
        'Kendal is closed because of severe weather. It will reopen at 09:00 tomorrow.',
        'Workington is closed because of severe weather. It is expected to reopen at 09:00 on Monday 30 November.',
        'Keswick is closed because of flooding. It is expected to reopen at 09:00 tomorrow.',
        'Maryport is still closed because of severe weather. No new reopening time yet.',
      ],
    ],
    [
      'cy',
      [
        'Mae Carlisle, Barrow ac Abertawe ar gau oherwydd tywydd garw. Disgwylir iddynt ailagor am 09:00 yfory.',
        'Mae Penrith ac Aberdâr ar agor eto.',
        'Mae Kendal ar gau oherwydd tywydd garw. Bydd yn ailagor am 09:00 yfory.',
        'Mae Workington ar gau oherwydd tywydd garw. Disgwylir iddi ailagor am 09:00 ddydd Llun 30 Tachwedd.',
        'Mae Keswick ar gau oherwydd llifogydd. Disgwylir iddi ailagor am 09:00 yfory.',
        'Mae Maryport yn dal ar gau oherwydd tywydd garw. Dim amser ailagor newydd eto.',
      ],
    ],
  ];
  for (const [language, expected] of cases) {
    const parts = composeStatusPosts(CY, changes, NOW).find((p) => p.language === language)!.parts;
    t.same(
      parts.flatMap((p) => sentencesOf(p)),
      expected,
      language,
    );
    for (const part of parts) t.ok(weightedLength(part) <= 280, `${language}: ${weightedLength(part)}`);
  }
});

void t.test('a group too long for one part is split into complete sentences, every name once', async (t) => {
  const names = Array.from({ length: 60 }, (_, i) => `Jobcentre ${String(i + 1).padStart(2, '0')}`);
  const sentence = {
    en: /^(.+) (?:is closed because of severe weather\. It is|are closed because of severe weather\. They are) expected to reopen at 09:00 tomorrow\.$/,
    cy: /^Mae (.+) ar gau oherwydd tywydd garw\. Disgwylir (?:iddi|iddynt) ailagor am 09:00 yfory\.$/,
  };
  const cases: [label: string, account: ComposeAccount, stampAt: Date | undefined][] = [
    ['plain', CY, undefined],
    ['with a link', { ...CY, includeLink: true, link: LINK }, undefined],
    ['with a link and a stamp', { ...CY, includeLink: true, link: LINK }, NOW],
  ];
  for (const [label, account, stampAt] of cases) {
    for (const post of composeStatusPosts(account, offices(names), NOW, { stampAt })) {
      const { language, parts } = post;
      const stamp = stampAt ? (language === 'en' ? 'Update 26/11 08:00' : 'Diweddariad 26/11 08:00') : undefined;
      t.ok(parts.length > 1 && parts.length <= 8, `${label} ${language}: ${parts.length} parts`);
      const seen: string[] = [];
      parts.forEach((part, i) => {
        const where = `${label} ${language} part ${i + 1}`;
        t.ok(weightedLength(part) <= 280 && valid(part), `${where}: ${weightedLength(part)}`);
        // Numbered right after the full stop of its last sentence.
        const lines = part.split('\n').filter((l) => l !== stamp && l !== account.link);
        t.ok(lines.at(-1)!.endsWith(`. (${i + 1}/${parts.length})`), `${where} ends "${lines.at(-1)!.slice(-12)}"`);
        for (const s of sentencesOf(part, [stamp, account.link])) {
          const match = sentence[language].exec(s);
          t.ok(match, `${where}: a complete sentence: ${s}`);
          const listed = namesIn(s);
          // "is … It" for one office, "are … They" for more, in both languages.
          t.equal(/ are closed|iddynt/.test(s), listed.length > 1, `${where}: agrees with ${listed.length} names`);
          seen.push(...listed);
        }
        if (i < parts.length - 1) {
          // As full as fits: the next office's name (", Jobcentre 13") would not have
          // fitted in this part, whose room for the link is kept as in every part.
          const next = namesIn(sentencesOf(parts[i + 1]!, [stamp, account.link])[0]!)[0]!;
          const reserved = account.includeLink && i > 0 ? 1 + 23 : 0;
          t.ok(
            weightedLength(part) + reserved + 2 + next.length > 280,
            `${where} is full: ${weightedLength(part)} + ${reserved}`,
          );
        }
      });
      t.same(seen, names, `${label} ${language}: every office once, in order`);
    }
  }
});

void t.test('30 offices with the same closure make at most 3 parts in English', async (t) => {
  const towns = [
    'Barrow',
    'Carlisle',
    'Kendal',
    'Penrith',
    'Workington',
    'Whitehaven',
    'Maryport',
    'Keswick',
    'Cockermouth',
    'Ulverston',
    'Millom',
    'Windermere',
    'Wigton',
    'Egremont',
    'Cleator Moor',
    'Appleby',
    'Kirkby Stephen',
    'Ambleside',
    'Brampton',
    'Alston',
    'Sedbergh',
    'Grange-over-Sands',
    'Dalton-in-Furness',
    'Aspatria',
    'Silloth',
    'Seascale',
    'Lancaster',
    'Morecambe',
    'Preston',
    'Blackpool',
  ];
  const cases: [label: string, account: ComposeAccount, stampAt: Date | undefined, maxParts: number][] = [
    ['plain', EN, undefined, 2],
    ['stamped', EN, NOW, 3],
    ['stamped, with a link', { ...EN, includeLink: true, link: LINK }, NOW, 3],
  ];
  for (const [label, account, stampAt, maxParts] of cases) {
    const [post] = composeStatusPosts(account, offices(towns), NOW, { stampAt });
    t.ok(post!.parts.length <= maxParts, `${label}: ${post!.parts.length} parts`);
    t.same(
      post!.parts.flatMap((p) => sentencesOf(p, [account.link, 'Update 26/11 08:00'])).flatMap(namesIn),
      towns,
      `${label}: every office once`,
    );
  }
});

void t.test('property: every name exactly once per language, every part fits and reads on its own', async (t) => {
  // Few distinct states, so that offices often share a sentence.
  const at = fc.constantFrom(
    new Date('2026-11-26T15:00:00Z'),
    new Date('2026-11-27T09:00:00Z'),
    new Date('2026-12-02T09:00:00Z'),
  );
  const change = fc.record({
    officeName: fc.oneof(
      fc.constantFrom(
        'Wrexham',
        'Abertawe',
        'Ystrad Mynach',
        'Merthyr Tydfil',
        'bbc.co.uk office',
        '#Leeds @Leeds',
        '🏢',
      ),
      fc.string({ minLength: 1, maxLength: 30 }),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300 }),
    ),
    status: fc.constantFrom(...STATUSES),
    cause: fc.option(fc.constantFrom('weather', 'flooding' as const)),
    stale: fc.boolean(),
    expectedReopenAt: fc.option(at),
    reopenCertainty: fc.constantFrom(...CERTAINTIES),
    until: fc.option(at),
  });
  // Each office carries a marker «i» at the start of its name: found once, even cut short.
  const changes = fc
    .array(change, { minLength: 1, maxLength: 60 })
    .map((cs) =>
      cs.map((c, i): OfficeChange => ({ ...c, officeName: `«${i}»${noBreaks(c.officeName).replace(/[«»]/g, '')}` })),
    );
  fc.assert(
    fc.property(
      fc.boolean(),
      fc.constantFrom(LINK, 'https://gov.uk'),
      changes,
      fc.option(fc.constant(new Date('2026-11-26T14:05:00Z'))),
      (includeLink, link, cs, stampAt) => {
        const account: ComposeAccount = { ...CY, includeLink, link };
        for (const { language, parts } of composeStatusPosts(account, cs, NOW, { stampAt: stampAt ?? undefined })) {
          const stamp = stampAt ? (language === 'en' ? 'Update 26/11 14:05' : 'Diweddariad 26/11 14:05') : undefined;
          const markers: number[] = [];
          for (const [i, part] of parts.entries()) {
            if (!valid(part) || weightedLength(part) > 280) return false;
            if (stamp && !part.startsWith(`${stamp}\n`)) return false;
            const lines = part.split('\n').filter((l) => l !== stamp && l !== link);
            if (parts.length > 1 && !lines.at(-1)!.endsWith(`. (${i + 1}/${parts.length})`)) return false;
            for (const s of sentencesOf(part, [stamp, link])) {
              if (!s.endsWith('.') || !/^(?:«|Mae «|Nid yw «)/.test(s)) return false;
              // In order of first appearance within each sentence.
              const found = [...s.matchAll(/«(\d+)»/g)].map((m) => Number(m[1]));
              if (found.some((n, k) => k > 0 && n <= found[k - 1]!)) return false;
              markers.push(...found);
            }
          }
          if (markers.length !== cs.length || new Set(markers).size !== cs.length) return false;
        }
        return true;
      },
    ),
    { numRuns: 300, seed: 20261126 },
  );
  t.pass('300 generated inputs');
});

void t.test('Welsh posts name offices by their Welsh names where they have one; English posts never do', async (t) => {
  const changes = [
    closed('Swansea', { welshName: 'Abertawe' }),
    closed('Bridgend', { welshName: 'Pen-y-bont ar Ogwr' }),
    closed('Porthcawl'),
  ];
  const posts = composeStatusPosts(CY, changes, NOW);
  const en = posts.find((p) => p.language === 'en')!.parts.join('\n');
  const cy = posts.find((p) => p.language === 'cy')!.parts.join('\n');
  t.match(en, /Swansea, Bridgend and Porthcawl are closed/);
  t.notMatch(en, /Abertawe|Pen-y-bont/);
  t.match(
    cy,
    /Mae Abertawe, Pen-y-bont ar Ogwr a Phorthcawl ar gau/,
    'Welsh names, and the English one where none is known (mutated after "a")',
  );
  const single = composeStatusPosts(CY, [closed('Aberdare', { welshName: 'Aberdâr' })], NOW);
  t.match(single.find((p) => p.language === 'cy')!.parts[0], /^Mae Aberdâr ar gau/);
});

void t.test('a stamp with seconds, for a second update within the same minute', async (t) => {
  const at = new Date('2026-07-01T14:05:07Z');
  const [en, cy] = composeStatusPosts(CY, [closed('Wrexham')], NOW, { stampAt: at, stampSeconds: true });
  t.ok(en!.parts[0]!.startsWith('Update 01/07 15:05:07\n'));
  t.ok(cy!.parts[0]!.startsWith('Diweddariad 01/07 15:05:07\n'));
  t.not(
    en!.parts[0],
    composeStatusPosts(CY, [closed('Wrexham')], NOW, { stampAt: at })[0]!.parts[0],
    'differs from the minute stamp',
  );
});

void t.test('links: only one X counts as 23 characters is posted', async (t) => {
  for (const [link, ok] of [
    ['https://www.gov.uk/contact-jobcentre-plus', true],
    [LINK, true],
    ['https://gov.uk', true],
    [`https://${'a'.repeat(150)}`, false],
    ['https://example.invalidtld/x', false],
    ['http://www.gov.uk', false],
    ['https://www.gov.uk and more', false],
    ['https://', false],
  ] as const) {
    t.equal(isPostableLink(link), ok, link);
  }
  // A link stored before the check existed is left out rather than overflowing the post.
  const bad = `https://${'a'.repeat(150)}`;
  for (const post of composeStatusPosts(
    { ...CY, includeLink: true, link: bad },
    [closed('Wrexham'), closed('Bangor')],
    NOW,
    { stampAt: NOW },
  )) {
    for (const part of post.parts) {
      t.ok(weightedLength(part) <= 280);
      t.notMatch(part, /aaaa/);
    }
  }
});

void t.test('Welsh "and": ac before a vowel, a with the aspirate mutation otherwise', async (t) => {
  for (const [name, expected] of [
    ['Caerdydd', 'a Chaerdydd'],
    ['Porthcawl', 'a Phorthcawl'],
    ['Treorci', 'a Threorci'],
    ['Chepstow', 'a Chepstow'],
    ['Pwllheli', 'a Phwllheli'],
    ['Bangor', 'a Bangor'],
    ['Wrecsam', 'a Wrecsam'],
    ['Abertawe', 'ac Abertawe'],
    ['Ystradgynlais', 'ac Ystradgynlais'],
    ['Aberdâr', 'ac Aberdâr'],
  ] as const) {
    t.equal(welshAnd(name), expected, name);
  }
});
