/**
 * Benchmark: the mention classifier alone (understandMention), over the labelled corpus,
 * on one core. Target (issue 5): at least 20,000 mentions a second.
 *
 * Then the adversarial set (tests/mentions/adversarial.ts: long words, long digit runs,
 * 20,000-character texts with and without "@", emoji and combining marks, near misses of
 * office names): each text through what receiveMentions does to it in memory (cut to
 * MENTION_TEXT_MAX, classified, redacted), the median of BENCH_REPEATS runs; the worst text
 * is the worst case per mention. Target (issue 11): under 5 ms.
 *
 * Baseline, same run: what a naive keyword bot would do (one case-insensitive regular
 * expression for open/closed/shut and a question mark), for the ratios.
 *
 *   pnpm bench:classifier   (BENCH_SECONDS per rate measurement, default 3; BENCH_REPEATS
 *                            per adversarial text, default 21)
 *   BENCH_SMOKE=1 pnpm bench:classifier   (0.3 s and 3 repeats, figures not judged)
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { repoRoot } from '@jcp/db';
import { buildOfficeIndex, capMentionText, redactWithKinds, understandMention } from '@jcp/domain';
import { ADVERSARIAL } from '../../tests/mentions/adversarial.js';
import { registerOffices } from '../../tests/mentions/register.js';
import { say, setting, verdict } from './common.js';

const seconds = setting('BENCH_SECONDS', 3, 0.3);
const repeats = setting('BENCH_REPEATS', 21, 3);
const targetPerSecond = 20_000;
const targetWorstMs = 5;

const corpus = (await readFile(join(repoRoot, 'packages/domain/test/corpus/mentions.jsonl'), 'utf8'))
  .split('\n')
  .filter((line) => line.trim())
  .map((line) => JSON.parse(line) as { text: string; account: string });
const indexStart = performance.now();
const index = buildOfficeIndex(await registerOffices());
const indexMs = performance.now() - indexStart;

/** Runs `fn` over the corpus for `seconds`, and returns mentions per second. */
function rate(fn: (text: string, account: string) => unknown): number {
  let n = 0;
  let sink = 0;
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  while (performance.now() < end) {
    for (const m of corpus) {
      if (fn(m.text, m.account)) sink++;
      n++;
    }
  }
  if (sink < 0) say('');
  return (n / (performance.now() - start)) * 1000;
}

// Warm up the JIT on both.
const naive = /\b(open|closed|shut)\b[^?]*\?/i;
rate((text) => naive.test(text));
rate((text, account) => understandMention(text, account, index).intent === 'status');
const floor = rate((text) => naive.test(text));
const classifier = rate((text, account) => understandMention(text, account, index).intent === 'status');
say(
  `classifier over ${corpus.length} labelled mentions, ${seconds} s, one core (index of 630 offices built in ${indexMs.toFixed(1)} ms)`,
);
say(`classifier: ${Math.round(classifier).toLocaleString('en-GB')} mentions/s`);
say(
  `baseline (a keyword regular expression): ${Math.round(floor).toLocaleString('en-GB')} mentions/s; ratio ${(classifier / floor).toFixed(3)}x`,
);
verdict(classifier >= targetPerSecond, `>= ${targetPerSecond.toLocaleString('en-GB')}/s`);

/** The median of `repeats` timings of `fn`, in milliseconds. */
function median(fn: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}
/** A mention as receiveMentions treats it before any database work. */
const perMention = (text: string) => {
  const capped = capMentionText(text);
  return [understandMention(capped, 'district-105', index), redactWithKinds(capped)];
};
for (const { text } of ADVERSARIAL) perMention(text);
const rows = ADVERSARIAL.map(({ name, text }) => ({
  name,
  ms: median(() => perMention(text)),
  baseline: median(() => naive.test(text)),
}));
const worst = rows.reduce((a, b) => (b.ms > a.ms ? b : a));
const worstBaseline = Math.max(...rows.map((r) => r.baseline));
say(`adversarial set: ${rows.length} texts, the median of ${repeats} runs each (cut, classified, redacted)`);
for (const r of [...rows].sort((a, b) => b.ms - a.ms).slice(0, 5)) say(`  ${r.ms.toFixed(2)} ms  ${r.name}`);
say(
  `worst case per mention: ${worst.ms.toFixed(2)} ms (${worst.name}); baseline's worst ${worstBaseline.toFixed(3)} ms; ratio ${(worst.ms / worstBaseline).toFixed(1)}x`,
);
verdict(worst.ms < targetWorstMs, `worst case < ${targetWorstMs} ms`);
