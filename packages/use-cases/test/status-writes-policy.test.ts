import t from 'tap';
import {
  assertCovers,
  assertInBusiness,
  ifMatches,
  ownersAtStart,
  Problem,
  toDraft,
  type Caller,
} from '../src/index.js';

// The rules of the status writes that need no database, as tables.

const manager = (districtCodes: string[], accountIds: string[] = []): Caller => ({
  tokenId: 't1',
  name: 'area manager',
  role: 'manager',
  districtCodes,
  accountIds,
  actor: 'token:t1:area manager',
});
const admin: Caller = { ...manager([]), role: 'admin' };
const office = (id: string, district_code: string, account_id: string) => ({ id, district_code, account_id });
const carlisle = office('carlisle-8504', 'CUM', 'jcpincumbria');
const penrith = office('penrith-8510', 'CUM', 'jcpincumbria');
const barrow = office('barrow-8501', 'LAN', 'jcpincumbria');

void t.test('who may write to which offices', async (t) => {
  const rows: [string, Caller, (typeof carlisle)[], string[] | null][] = [
    ['an admin, every office', admin, [carlisle, barrow], null],
    ['a manager of the district', manager(['CUM']), [carlisle, penrith], null],
    ['a manager of the account, through the account', manager([], ['jcpincumbria']), [carlisle, barrow], null],
    [
      'a manager of another district: refused, naming the office',
      manager(['CUM']),
      [carlisle, barrow],
      ['barrow-8501'],
    ],
    ['no offices: nothing to refuse', manager([]), [], null],
  ];
  for (const [name, caller, offices, outside] of rows) {
    if (outside === null) {
      t.doesNotThrow(() => assertCovers(caller, offices), name);
      continue;
    }
    try {
      assertCovers(caller, offices);
      t.fail(name);
    } catch (error) {
      t.ok(error instanceof Problem && error.code === 'OUT_OF_SCOPE', name);
      t.same((error as Problem).extensions.outOfScope, outside, name);
    }
  }
});

void t.test('the owners an event gets when it starts', async (t) => {
  const rows: [string, Caller, (typeof carlisle)[], { districtCodes: string[]; accountIds: string[] }][] = [
    ['an admin, empty: admins only', admin, [], { districtCodes: [], accountIds: [] }],
    [
      'a manager, empty: their own scope',
      manager(['LAN', 'CUM'], ['b', 'a']),
      [],
      { districtCodes: ['CUM', 'LAN'], accountIds: ['a', 'b'] },
    ],
    [
      'an admin, offices: their districts',
      admin,
      [barrow, carlisle, penrith],
      { districtCodes: ['CUM', 'LAN'], accountIds: [] },
    ],
    [
      'a district manager: the district',
      manager(['CUM']),
      [carlisle, penrith],
      { districtCodes: ['CUM'], accountIds: [] },
    ],
    [
      'an office covered only through the account: the account',
      manager(['CUM'], ['jcpincumbria']),
      [carlisle, barrow],
      { districtCodes: ['CUM'], accountIds: ['jcpincumbria'] },
    ],
  ];
  for (const [name, caller, offices, owners] of rows) t.same(ownersAtStart(caller, offices), owners, name);
});

void t.test('If-Match against an office ETag', async (t) => {
  const rows: [string, string, boolean][] = [
    ['"abc"', '"abc"', true],
    ['*', '"abc"', true],
    ['"x", "abc"', '"abc"', true],
    ['"x"', '"abc"', false],
    ['W/"abc"', '"abc"', false],
    ['', '"abc"', false],
  ];
  for (const [header, etag, matches] of rows) t.equal(ifMatches(header, etag), matches, `If-Match: ${header}`);
});

void t.test("a request's notice fields as a draft", async (t) => {
  const now = new Date('2026-11-26T08:00:00Z');
  const original = new Date('2026-11-25T08:00:00Z');
  t.same(toDraft({ status: 'open' }, now), {
    status: 'open',
    cause: null,
    message: null,
    activeFrom: now,
    activeUntil: null,
    expectedReopenAt: null,
    reopenCertainty: 'unknown',
  });
  const closed = toDraft(
    { status: 'closed', cause: 'weather', expectedReopenAt: '2026-11-27T09:00:00Z', until: '2026-11-28T00:00:00Z' },
    now,
  );
  t.equal(closed.reopenCertainty, 'expected', 'a reopening time given: expected by default');
  t.same(closed.activeUntil, new Date('2026-11-28T00:00:00Z'));
  t.equal(
    toDraft(
      { status: 'closed', cause: 'weather', expectedReopenAt: '2026-11-27T09:00:00Z', reopenCertainty: 'confirmed' },
      now,
    ).reopenCertainty,
    'confirmed',
  );
  t.same(
    toDraft({ status: 'closed', cause: 'other' }, now, original).activeFrom,
    original,
    "a correction keeps the original's from",
  );
  t.same(
    toDraft({ status: 'closed', cause: 'other', from: '2026-11-26T10:00:00Z' }, now, original).activeFrom,
    new Date('2026-11-26T10:00:00Z'),
    'unless it gives one',
  );
});

void t.test('a notice for an office closed for good is refused, naming it', async (t) => {
  const open = { ...carlisle, closed_permanently_on: null };
  const gone = (id: string) => ({ id, closed_permanently_on: '2018-08-13' });
  const rows: [string, { id: string; closed_permanently_on: string | null }[], string | null][] = [
    ['every office in business', [open], null],
    ['no offices: nothing to refuse', [], null],
    [
      'the office closed for good',
      [gone('bishop-auckland-8822')],
      'office(s) closed permanently: bishop-auckland-8822',
    ],
    [
      'one of several: the whole notice, naming those closed',
      [open, gone('a-1'), gone('b-2')],
      'office(s) closed permanently: a-1, b-2',
    ],
    [
      'many: the first ten named',
      Array.from({ length: 12 }, (_, i) => gone(`o-${i}`)),
      `office(s) closed permanently: ${Array.from({ length: 10 }, (_, i) => `o-${i}`).join(', ')}`,
    ],
  ];
  for (const [name, offices, detail] of rows) {
    if (detail === null) {
      t.doesNotThrow(() => assertInBusiness(offices), name);
      continue;
    }
    t.throws(() => assertInBusiness(offices), { code: 'NOTICE_REJECTED', status: 422, message: detail }, name);
  }
});
