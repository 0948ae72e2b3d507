import t from 'tap';
import fc from 'fast-check';
import twitterText from 'twitter-text';
import {
  CAUSES,
  CERTAINTIES,
  STATUSES,
  composeStatusPosts,
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

void t.test('each status and certainty has its own wording', async (t) => {
  t.equal(only(EN, closed('Carlisle')), 'Carlisle is closed because of severe weather. It is expected to reopen at 09:00 tomorrow.');
  t.equal(
    only(EN, closed('Carlisle', { reopenCertainty: 'confirmed' })),
    'Carlisle is closed because of severe weather. It will reopen at 09:00 tomorrow.',
  );
  t.equal(
    only(EN, closed('Carlisle', { expectedReopenAt: null, reopenCertainty: 'unknown' })),
    'Carlisle is closed because of severe weather. No reopening time yet.',
  );
  t.equal(
    only(EN, closed('Carlisle', { status: 'delayed', cause: 'staffing', expectedReopenAt: new Date('2026-11-26T11:00:00Z'), reopenCertainty: 'confirmed' })),
    'Carlisle is opening late because of staff shortages. It will open at 11:00 today.',
  );
  t.equal(
    only(EN, closed('Carlisle', { status: 'delayed', opensAt: new Date('2026-11-26T10:30:00Z'), reopenCertainty: 'expected' })),
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
    only(EN, closed('Carlisle', { expectedReopenAt: null, reopenCertainty: 'unknown', until: new Date('2026-11-27T12:00:00Z') })),
    'Carlisle is closed because of severe weather. It will reopen at 12:00 tomorrow.',
  );
  t.equal(only(EN, { officeName: 'Carlisle', status: 'open', cause: null, expectedReopenAt: null, reopenCertainty: 'unknown' }), 'Carlisle is open again.');
  t.equal(only(EN, closed('Carlisle', { cause: null })), 'Carlisle is closed. It is expected to reopen at 09:00 tomorrow.');
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
    closed('Yr Wyddgrug', { status: 'delayed', cause: 'power_failure', expectedReopenAt: new Date('2026-11-26T11:00:00Z'), reopenCertainty: 'expected' }),
    closed('Bangor', { cause: 'flooding', expectedReopenAt: new Date('2026-11-27T09:00:00Z'), reopenCertainty: 'confirmed' }),
    { officeName: 'Y Rhyl', status: 'open', cause: null, expectedReopenAt: null, reopenCertainty: 'unknown' },
    closed('Abertawe', { expectedReopenAt: null, reopenCertainty: 'unknown' }),
  ];
  const posts = composeStatusPosts(CY, changes, NOW);
  t.same(posts.map((p) => p.language), ['en', 'cy']);
  const cy = posts[1]!.parts.join('\n');
  t.match(cy, 'Mae Wrecsam ar gau oherwydd tywydd garw. Bydd yn ailagor am 09:00 yfory.');
  t.match(cy, 'Mae Yr Wyddgrug yn agor yn hwyr oherwydd toriad pŵer. Disgwylir iddi agor am 11:00 heddiw.');
  t.match(cy, 'Mae Y Rhyl ar agor eto.');
  t.match(cy, 'Mae Abertawe ar gau oherwydd tywydd garw. Dim amser ailagor eto.');
  t.notMatch(cy, /because|closed|open again|today|tomorrow/);
  const far = composeStatusPosts(CY, [closed('Wrecsam', { expectedReopenAt: new Date('2026-11-27T09:00:00Z') })], new Date('2026-11-23T08:00:00Z'));
  t.match(far[1]!.parts[0], 'am 09:00 ddydd Gwener 27 Tachwedd');
  t.match(far[0]!.parts[0], 'at 09:00 on Friday 27 November');

  const en = composeStatusPosts(EN, changes, NOW);
  t.same(en.map((p) => p.language), ['en']);
  t.same(composeStatusPosts({ ...EN, languages: [] }, changes, NOW).map((p) => p.language), ['en'], 'English always');
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
    t.match(only(EN, closed('Carlisle', { expectedReopenAt: new Date(reopen) }), new Date(now)), `reopen ${words}.`, `${now} -> ${reopen}`);
  }
  const [, cy] = composeStatusPosts(CY, [closed('Caerdydd', { expectedReopenAt: new Date('2026-03-29T09:00:00Z') })], new Date('2026-03-28T12:00:00Z'));
  t.match(cy!.parts[0], 'am 10:00 yfory');
});

void t.test('a link only when the account includes it, once per post, counted as 23', async (t) => {
  const change = closed('Carlisle');
  t.notMatch(composeStatusPosts({ ...EN, link: LINK }, [change], NOW)[0]!.parts.join(''), 'https://', 'configured but not included');
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
  const posts = composeStatusPosts(CY, names.map((n) => closed(n)), NOW);
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
    t.same(seen, names.map((_, i) => i + 1), `${post.language}: in order, once each`);
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
  const many = composeStatusPosts(EN, Array.from({ length: 12 }, (_, i) => big(`Office${i}`)), NOW)[0]!.parts;
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
      t.match(text, post.language === 'en' ? 'is closed because of severe weather.' : 'ar gau oherwydd tywydd garw.', 'the status survives the cut');
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
  const date = fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2027-01-01T00:00:00Z'), noInvalidDate: true });
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
        const lines = post.parts.join('\n').split('\n').filter((l) => l !== acc.link);
        if (lines.length !== changes.length) return false;
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
    ['2026-11-26T08:00:00Z', 'Update 08:00', 'Diweddariad 08:00'],
    ['2026-11-26T14:05:59Z', 'Update 14:05', 'Diweddariad 14:05'],
    ['2026-07-01T14:05:00Z', 'Update 15:05', 'Diweddariad 15:05'],
    ['2026-03-29T00:59:00Z', 'Update 00:59', 'Diweddariad 00:59'],
    ['2026-03-29T01:00:00Z', 'Update 02:00', 'Diweddariad 02:00'],
    ['2026-10-24T23:30:00Z', 'Update 00:30', 'Diweddariad 00:30'],
    ['2026-10-25T00:59:00Z', 'Update 01:59', 'Diweddariad 01:59'],
    ['2026-10-25T01:00:00Z', 'Update 01:00', 'Diweddariad 01:00'],
    ['2026-06-30T23:30:00Z', 'Update 00:30', 'Diweddariad 00:30'],
  ];
  for (const [stampAt, en, cy] of cases) {
    const posts = composeStatusPosts(CY, [closed('Wrexham')], NOW, { stampAt: new Date(stampAt) });
    t.same(posts.map((p) => p.language), ['en', 'cy']);
    t.equal(posts[0]!.parts.length, 1);
    t.equal(posts[0]!.parts[0], `${en}\n${only(CY, closed('Wrexham'))}`, `en ${stampAt}`);
    t.equal(posts[1]!.parts[0], `${cy}\n${composeStatusPosts(CY, [closed('Wrexham')], NOW)[1]!.parts[0]}`, `cy ${stampAt}`);
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
      for (const part of post.parts) t.notMatch(part, /^(Update|Diweddariad) /, `${post.language} ${JSON.stringify(options)}`);
    }
    t.same(composeStatusPosts(CY, changes, NOW, options), composeStatusPosts(CY, changes, NOW), 'same as before the option');
  }
});

void t.test('stamped threads: every part stamped, numbered, within 280, every office once', async (t) => {
  const stampAt = new Date('2026-07-01T14:05:00Z'); // 15:05 BST
  const names = Array.from({ length: 30 }, (_, i) => `Jobcentre Plus Office Number ${String(i + 1).padStart(2, '0')}`);
  const big = (n: string) => closed(`${n} ${'Long Street Jobcentre '.repeat(7)}`);
  const long = 'Jobcentre Plus ' + 'Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch '.repeat(20);
  const inputs: [string, ComposeAccount, OfficeChange[]][] = [
    ['30 offices', CY, names.map((n) => closed(n))],
    ['30 offices with a link', { ...CY, includeLink: true, link: LINK }, names.map((n) => closed(n))],
    ['12 big offices', CY, Array.from({ length: 12 }, (_, i) => big(`Office${i}`))],
    ['a very long name', { ...CY, includeLink: true, link: LINK }, [closed(long), closed('Bangor')]],
    ['emoji', CY, [closed('🏢'.repeat(300))]],
  ];
  for (const [label, account, changes] of inputs) {
    const plain = composeStatusPosts(account, changes, NOW);
    for (const post of composeStatusPosts(account, changes, NOW, { stampAt })) {
      const stamp = post.language === 'en' ? 'Update 15:05' : 'Diweddariad 15:05';
      const { parts } = post;
      parts.forEach((part, i) => {
        t.ok(part.startsWith(`${stamp}\n`), `${label} ${post.language} part ${i + 1} stamped`);
        t.ok(weightedLength(part) <= 280 && valid(part), `${label} ${post.language} part ${i + 1}: ${weightedLength(part)}`);
        if (parts.length > 1) t.match(part, new RegExp(` \\(${i + 1}/${parts.length}\\)($|\n)`), `${label} ${post.language} part ${i + 1} numbered`);
      });
      const lines = parts.join('\n').split('\n').filter((l) => l !== stamp && l !== account.link);
      t.equal(lines.length, changes.length, `${label} ${post.language}: one line per office`);
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
  t.ok(stamped[0]!.startsWith('Update 08:00\n'));
  t.ok(weightedLength(stamped[0]!) <= 280, `${weightedLength(stamped[0]!)}`);
  t.match(stamped[0], '… is closed', 'name cut to make room');
  // Two offices that just fit in one post become a thread of two with the stamp.
  const half = (n: string) => closed(n + 'x'.repeat(Math.floor((280 - 1 - 2 * weight(only(EN, closed('')))) / 2) - n.length));
  const pair = [half('North'), half('South')];
  t.equal(composeStatusPosts(EN, pair, NOW)[0]!.parts.length, 1, 'one post unstamped');
  const thread = composeStatusPosts(EN, pair, NOW, { stampAt: NOW })[0]!.parts;
  t.equal(thread.length, 2, 'two parts stamped');
  for (const part of thread) t.ok(part.startsWith('Update 08:00\nNorth') || part.startsWith('Update 08:00\nSouth'), part.slice(0, 20));
});

void t.test('property: stamped, every part fits and starts with the stamp, for any input', async (t) => {
  const date = fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2028-01-01T00:00:00Z'), noInvalidDate: true });
  const change: fc.Arbitrary<OfficeChange> = fc.record({
    officeName: fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 400 }).map(noBreaks), fc.constantFrom('Wrexham', 'bbc.co.uk office')),
    status: fc.constantFrom(...STATUSES),
    cause: fc.option(fc.constantFrom(...CAUSES)),
    expectedReopenAt: fc.option(date),
    reopenCertainty: fc.constantFrom(...CERTAINTIES),
  });
  fc.assert(
    fc.property(fc.boolean(), fc.array(change, { minLength: 1, maxLength: 40 }), date, date, (includeLink, changes, now, stampAt) => {
      const account: ComposeAccount = { ...CY, includeLink, link: LINK };
      const time = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(stampAt);
      for (const post of composeStatusPosts(account, changes, now, { stampAt })) {
        const stamp = `${post.language === 'en' ? 'Update' : 'Diweddariad'} ${time}`;
        for (const part of post.parts) {
          if (!part.startsWith(`${stamp}\n`) || !valid(part) || weightedLength(part) > 280) return false;
        }
        const lines = post.parts.join('\n').split('\n').filter((l) => l !== stamp && l !== LINK);
        if (lines.length !== changes.length) return false;
      }
      return true;
    }),
    { numRuns: 200, seed: 20261026 },
  );
  t.pass('200 generated inputs');
});
