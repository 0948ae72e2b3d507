// searchOffices: ranking and reasons, table by table, and hostile queries (bounded work).
import {
  buildOfficeIndex,
  searchOffices,
  SEARCH_LIMIT_DEFAULT,
  SEARCH_REASON_RANK,
  type SearchReason,
} from '@jcp/domain';
import fc from 'fast-check';
import t from 'tap';
import { registerOffices } from '../mentions/register.js';

const entries = await registerOffices();
const index = buildOfficeIndex(entries);
const ids = new Set(entries.map((e) => e.id));
const REASONS: readonly SearchReason[] = ['name', 'alias', 'welsh-name', 'town', 'postcode', 'outward-code', 'fuzzy'];
const hits = (query: string, limit?: number) =>
  searchOffices(index, query, limit === undefined ? {} : { limit }).map((h) => `${h.id} ${h.reason} ${h.matched}`);

void t.test('each reason, with what was matched', async (t) => {
  const cases: [string, string][] = [
    ['Carlisle', 'carlisle-8504 name Carlisle'],
    ['Kingston upon Thames', 'kingston-1731 alias Kingston upon Thames'],
    ['Abertawe', 'swansea-9854 welsh-name Abertawe'],
    ['yng Nghaerfyrddin', 'carmarthen-9512 welsh-name Caerfyrddin'],
    ['Islington', 'barnsbury-1514 town Islington'],
    ['ca3 8da', 'carlisle-8504 postcode CA3 8DA'],
    ['CA38DA', 'carlisle-8504 postcode CA3 8DA'],
    ['CA3', 'carlisle-8504 outward-code CA3'],
    ['carslile', 'carlisle-8504 fuzzy Carlisle'],
    ['eastgate', 'leeds-eastgate-6653 fuzzy eastgate'],
    ['carl', 'carlisle-8504 fuzzy Carlisle'],
  ];
  for (const [query, expected] of cases) t.equal(hits(query)[0], expected, query);
});

void t.test('ranked: name, then alias, town, postcode, fuzzy; ties by name', async (t) => {
  // An office's own name before the offices addressed in its town.
  t.same(hits('Swansea'), ['swansea-9854 name Swansea', 'ystradgynlais-9679 town Swansea']);
  // Alias before town; the offices of an ambiguous town all given, in name order.
  t.same(hits('Leeds', 5), [
    'leeds-eastgate-6653 alias Leeds',
    'leeds-park-place-6718 alias Leeds',
    'leeds-southern-house-6725 alias Leeds',
    'guiseley-6690 town Leeds',
    'pudsey-6769 town Leeds',
  ]);
  t.same(hits('Newport'), ['newport-gwent-9880 alias Newport', 'newport-isle-of-wight-1677 alias Newport']);
  // More of the query matched ranks first, whatever the reason.
  t.equal(hits('swansea sa1')[0], 'swansea-9854 name Swansea');
  t.equal(hits('cardiff charles')[0], 'cardiff-charles-street-9828 alias Cardiff');
  t.equal(hits('leeds ea')[0], 'leeds-eastgate-6653 alias Leeds');
  // A misspelt name before a misspelt town; the shortest completion of a prefix first.
  t.equal(hits('Glouster')[0], 'gloucester-3749 fuzzy Gloucester');
  t.equal(hits('stoke')[0], 'hanley-4574 fuzzy Stoke On Trent');
  // Every reason's rank is no better than the one before, for a one-word query.
  const rank = SEARCH_REASON_RANK;
  t.same(
    [...REASONS].sort((a, b) => rank[a] - rank[b]),
    REASONS,
    'name, alias and Welsh name, town, postcode and outward code, fuzzy',
  );
  t.equal(rank.alias, rank['welsh-name']);
  t.equal(rank.postcode, rank['outward-code']);
  t.ok(rank.name < rank.alias && rank.alias < rank.town && rank.town < rank.postcode && rank.postcode < rank.fuzzy);
  for (const query of ['Leeds', 'Sheffield', 'Birmingham', 'Stoke on Trent', 'Bradford', 'Edinburgh', 'Bury']) {
    const reasons = searchOffices(index, query).map((h) => h.reason);
    const ranks = reasons.map((reason) => rank[reason]);
    t.same(
      ranks,
      [...ranks].sort((a, b) => a - b),
      `${query}: ${reasons.join(', ')}`,
    );
  }
  t.same(hits('Leeds'), hits('leeds'), 'the same answer every time, whatever the case');
});

void t.test('limits and empty queries', async (t) => {
  t.same(
    hits('Sheffield', 5).map((hit) => hit.split(' ')[0]),
    entries.filter((e) => e.name.startsWith('Sheffield')).map((e) => e.id),
    'the offices named after an ambiguous town first, in name order',
  );
  t.ok(
    hits('Sheffield')
      .slice(5)
      .every((hit) => hit.includes(' town ')),
    'then those only addressed there',
  );
  t.equal(hits('Sheffield', 2).length, 2);
  t.same(hits('Sheffield', 0), []);
  t.same(hits('Sheffield', -3), []);
  t.equal(hits('london').length, SEARCH_LIMIT_DEFAULT);
  t.equal(hits('london', 1000).length, 26, 'a limit above the register is the register');
  for (const query of ['', '   ', '?!', 'jobcentre', 'is it open today', 'the', 'ZZ9 9ZZ', '12345'])
    t.same(hits(query), [], JSON.stringify(query));
});

void t.test('hostile queries: bounded work, no throw, only offices of the register', async (t) => {
  const long = (unit: string, length: number) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
  const cases = [
    long('a', 1_000_000),
    long('carlisle ', 1_000_000),
    long('carslile ', 100_000),
    long('abcdefghijklmnopqrstuvwxyz', 100_000),
    long('CA3 8DA ', 100_000),
    long('yng Nghaerdydd ', 100_000),
    long('\u0000\u202e\u200b', 100_000),
    long('\ud800', 10_000),
    long('🏴󠁧󠁢󠁷󠁬󠁳󠁿', 10_000),
    long('ẞ̷̢̛̀', 10_000),
    "' OR 1=1 --",
    '.*(((((a+)+)+)+)$',
    '%00%27',
    'carl\u0000isle',
    '\u202ecarlisle\u200b',
  ];
  for (const query of cases) {
    const started = performance.now();
    const found = searchOffices(index, query, { limit: 50 });
    const took = performance.now() - started;
    t.ok(took < 50, `${JSON.stringify(query.slice(0, 20))}…: ${took.toFixed(2)} ms`);
    t.ok(
      found.every((h) => ids.has(h.id) && REASONS.includes(h.reason)),
      'only offices of the register',
    );
  }
  t.equal(searchOffices(index, long('carlisle ', 1_000_000))[0]?.id, 'carlisle-8504');
  t.equal(searchOffices(index, '\u202ecarlisle\u200b')[0]?.id, 'carlisle-8504', 'invisible characters ignored');

  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 3000 }), fc.integer({ min: -5, max: 50 }), (query, limit) => {
      const found = searchOffices(index, query, { limit });
      return found.length <= Math.max(0, limit) && found.every((h) => ids.has(h.id) && REASONS.includes(h.reason));
    }),
    { numRuns: 300 },
  );
});

void t.test('fast: a query well under a millisecond with the index built once', async (t) => {
  const queries = [
    'carlisle',
    'Carlisle jobcentre',
    'kendall',
    'swansee',
    'yng Nghaerdydd',
    'ca3 8da',
    'CA3',
    'carl',
    'Leeds',
  ];
  const rounds = 200;
  const started = performance.now();
  for (let round = 0; round < rounds; round++) for (const query of queries) searchOffices(index, query);
  const each = (performance.now() - started) / (rounds * queries.length);
  t.comment(`${each.toFixed(4)} ms a query`);
  t.ok(each < 1, `${each.toFixed(4)} ms a query (under 1 ms)`);
});
