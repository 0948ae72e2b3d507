/**
 * Benchmark: the mention classifier alone (understandMention), over the labelled corpus,
 * on one core. Target (issue 5): at least 20,000 mentions a second.
 *
 * Baseline, same run: what a naive keyword bot would do (one case-insensitive regular
 * expression for open/closed/shut and a question mark), for the ratio.
 *
 *   pnpm bench:classifier   (BENCH_SECONDS per measurement, default 3)
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { repoRoot } from '@jcp/db';
import { buildOfficeIndex, understandMention } from '@jcp/domain';
import { registerOffices } from '../../tests/mentions/register.js';
import { say } from './common.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const targetPerSecond = 20_000;

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
say(`classifier over ${corpus.length} labelled mentions, ${seconds} s, one core (index of 630 offices built in ${indexMs.toFixed(1)} ms)`);
say(`classifier: ${Math.round(classifier).toLocaleString('en-GB')} mentions/s`);
say(`baseline (a keyword regular expression): ${Math.round(floor).toLocaleString('en-GB')} mentions/s; ratio ${(classifier / floor).toFixed(3)}x`);
const met = classifier >= targetPerSecond;
say(met ? `target met (>= ${targetPerSecond.toLocaleString('en-GB')}/s)` : `TARGET NOT MET (>= ${targetPerSecond.toLocaleString('en-GB')}/s)`);
process.exitCode = met ? 0 : 1;
