// The one rule for a text an account already has (X refuses a repeat), as status posts and
// replies use it: the table of marks, the search for the first free text, and the two forms.
import t from 'tap';
import {
  composeStatusPosts,
  distinctMark,
  firstDistinct,
  fitsInPost,
  markReply,
  MAX_DISTINCT_ATTEMPTS,
  type ComposeAccount,
} from '@jcp/domain';

void t.test('distinctMark: nothing, then the London time to the second, then a count', async (t) => {
  const table: [string, number, string | null][] = [
    ['2026-11-26T08:05:07Z', 0, null],
    ['2026-11-26T08:05:07Z', 1, '08:05:07'],
    ['2026-11-26T08:05:07Z', 2, '08:05:07 #2'],
    ['2026-11-26T08:05:07Z', 50, '08:05:07 #50'],
    // Summer time: London is an hour ahead; its seconds are UTC's.
    ['2026-07-01T14:05:00Z', 1, '15:05:00'],
    ['2026-07-01T23:59:59Z', 3, '00:59:59 #3'],
    // The clocks go back: 01:00 UTC is 01:00 GMT again.
    ['2026-10-25T01:00:09Z', 1, '01:00:09'],
  ];
  for (const [at, attempt, mark] of table)
    t.equal(distinctMark(new Date(at), attempt), mark, `${at} attempt ${attempt}`);
});

void t.test('firstDistinct: the first attempt the account does not have, or the last tried', async (t) => {
  const table: [string[], string][] = [
    [[], 'a0'],
    [['a0'], 'a1'],
    [['a0', 'a1'], 'a2'],
    [['a1'], 'a0'],
    [Array.from({ length: MAX_DISTINCT_ATTEMPTS + 5 }, (_, i) => `a${i}`), `a${MAX_DISTINCT_ATTEMPTS}`],
  ];
  for (const [taken, expected] of table) {
    const used = new Set(taken);
    t.equal(
      await firstDistinct(
        (n) => `a${n}`,
        (text) => used.has(text),
      ),
      expected,
      `taken: ${taken.length}`,
    );
    // An asynchronous check (a query) gives the same answer.
    t.equal(
      await firstDistinct(
        (n) => `a${n}`,
        async (text) => used.has(text),
      ),
      expected,
    );
  }
});

void t.test('the reply form: the mark in brackets at the end, whole sentences dropped to fit', async (t) => {
  const at = new Date('2026-11-26T08:05:07Z');
  const short = '@jo Thank you. Carlisle is open.';
  t.equal(markReply(short, at, 0), short);
  t.equal(markReply(short, at, 1), `${short} (08:05:07)`);
  t.equal(markReply(short, at, 2), `${short} (08:05:07 #2)`);
  const long = `@jo Thank you. ${'Carlisle is open as normal today. '.repeat(8).trim()}`;
  const marked = markReply(long, at, 1);
  t.ok(fitsInPost(marked), 'fits');
  t.ok(marked.endsWith('. (08:05:07)'), 'whole sentences, then the mark');
  t.ok(long.startsWith(marked.slice(0, -' (08:05:07)'.length)), 'only sentences from the end were dropped');
});

void t.test('the status form: the mark in the stamp line of every part', async (t) => {
  const account: ComposeAccount = { handle: 'JCPCarlisle', languages: ['en', 'cy'], includeLink: false };
  const closed = {
    officeName: 'Carlisle',
    status: 'closed' as const,
    cause: null,
    expectedReopenAt: null,
    reopenCertainty: 'unknown' as const,
  };
  const at = new Date('2026-07-01T14:05:07Z');
  const table: [number, string, string][] = [
    [0, 'Update 01/07 15:05\n', 'Diweddariad 01/07 15:05\n'],
    [1, 'Update 01/07 15:05:07\n', 'Diweddariad 01/07 15:05:07\n'],
    [2, 'Update 01/07 15:05:07 #2\n', 'Diweddariad 01/07 15:05:07 #2\n'],
  ];
  for (const [attempt, en, cy] of table) {
    const [english, welsh] = composeStatusPosts(account, [closed], at, { stampAt: at, stampAttempt: attempt });
    t.ok(english!.parts[0]!.startsWith(en), `attempt ${attempt} (en)`);
    t.ok(welsh!.parts[0]!.startsWith(cy), `attempt ${attempt} (cy)`);
  }
  // stampSeconds is attempt 1.
  t.same(
    composeStatusPosts(account, [closed], at, { stampAt: at, stampSeconds: true }),
    composeStatusPosts(account, [closed], at, { stampAt: at, stampAttempt: 1 }),
  );
});
