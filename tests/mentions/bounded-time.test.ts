// The classifier and the redactor run in bounded time and memory on any text: a long
// word, long digit runs, 20,000 characters with or without an "@", emoji and combining
// marks, near misses of office names. Before the fix, a word of 1,500 letters took 19 s
// (every two-letter deletion of it was generated) and 20,000 characters without an "@"
// took the email pattern 0.9 s. The bound here is generous (the benchmark's target is
// 5 ms); what matters is that nothing grows faster than the text.
import { performance } from 'node:perf_hooks';
import t from 'tap';
import { buildOfficeIndex, CLASSIFIED_TEXT_MAX, redactWithKinds, understandMention } from '@jcp/domain';
import { registerOffices } from './register.js';
import { ADVERSARIAL } from './adversarial.js';

const BOUND_MS = 50;
const index = buildOfficeIndex(await registerOffices());

/** The fastest of three runs: the machine's other work is not the function's time. */
function time(fn: () => unknown): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    fn();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

// Built once on first use (the fold table of the redactor's view): not part of any text's time.
redactWithKinds('ｗａｒｍ ｕｐ');
understandMention('warm up', 'district-105', index);

void t.test('the classifier takes bounded time on every adversarial text', async (t) => {
  for (const { name, text } of ADVERSARIAL) {
    const ms = time(() => understandMention(text, 'district-105', index));
    t.ok(ms < BOUND_MS, `${name}: ${ms.toFixed(2)} ms`);
  }
});

void t.test('the redactor takes bounded time on every adversarial text', async (t) => {
  for (const { name, text } of ADVERSARIAL) {
    const ms = time(() => redactWithKinds(text));
    t.ok(ms < BOUND_MS, `${name}: ${ms.toFixed(2)} ms`);
  }
});

void t.test('a long word is never corrected, and the time does not grow with its length', async (t) => {
  const word = (n: number) => 'carlisle'.repeat(Math.ceil(n / 8)).slice(0, n);
  // Long words are not fuzzy-matched: no office is named, however close its start.
  t.same(understandMention(`is ${word(800)} open?`, 'district-105', index).offices, []);
  const short = time(() => understandMention(`is ${word(200)} open?`, 'district-105', index));
  const long = time(() => understandMention(`is ${word(1_900)} open?`, 'district-105', index));
  t.ok(
    long < BOUND_MS && long < short * 20 + 5,
    `200 letters ${short.toFixed(2)} ms, 1,900 letters ${long.toFixed(2)} ms`,
  );
});

void t.test(
  'the classifier reads the first CLASSIFIED_TEXT_MAX characters: a question there is understood, whatever follows',
  async (t) => {
    const question = 'Is Carlisle jobcentre open today?';
    const padded = `${question} ${'x'.repeat(20_000)}`;
    const got = understandMention(padded, 'district-105', index);
    t.equal(got.intent, 'status');
    t.same(got.offices, ['carlisle-8504']);
    t.equal(got.when, 'today');
    // Past the window, text is not read.
    const late = understandMention(
      `${'hello '.repeat(Math.ceil(CLASSIFIED_TEXT_MAX / 6))}${question}`,
      'district-105',
      index,
    );
    t.same(late.offices, []);
  },
);
