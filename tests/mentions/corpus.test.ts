// The labelled corpus of mentions (packages/domain/test/corpus/mentions.jsonl and
// held-out.jsonl, written from how people write on X, not from the classifier's rules) run
// through the classifier, with
// the thresholds: status-question precision >= 0.98, recall >= 0.9, and the right
// offices for >= 0.9 of status questions.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '@jcp/db';
import { buildOfficeIndex, redactPersonalData, understandMention } from '@jcp/domain';
import t from 'tap';
import { registerOffices } from './register.js';

interface Labelled {
  id: string;
  account: string;
  text: string;
  intent: 'status' | 'other';
  language: 'en' | 'cy';
  offices?: string[];
  when?: string;
}

const read = async (file: string): Promise<Labelled[]> =>
  (await readFile(join(repoRoot, 'packages/domain/test/corpus', file), 'utf8'))
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Labelled);
// The corpus, and the set written later by someone who had seen neither it nor the classifier.
const corpus: Labelled[] = [...(await read('mentions.jsonl')), ...(await read('held-out.jsonl'))];
const offices = await registerOffices();
const index = buildOfficeIndex(offices);

void t.test('the corpus is what the issue asks for', async (t) => {
  t.ok(corpus.length >= 150, `${corpus.length} mentions`);
  t.equal(new Set(corpus.map((m) => m.id)).size, corpus.length, 'ids are unique');
  t.ok(
    corpus.some((m) => m.language === 'cy'),
    'Welsh',
  );
  const ids = new Set(offices.map((o) => o.id));
  for (const m of corpus) for (const id of m.offices ?? []) t.ok(ids.has(id), `${m.id}: ${id} is an office`);
});

/**
 * The thresholds, on the text as written (what the pipeline classifies, in memory) and on the
 * text as stored (redacted): taking out personal data must not take out what finds an office
 * or a day (a postcode's district, "1 Feb", a weekday).
 */
for (const [what, textOf] of [
  ['as written', (text: string) => text],
  ['as stored, redacted', (text: string) => redactPersonalData(text)],
] as const) {
  void t.test(`status questions: precision, recall and offices (${what})`, async (t) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let rightOffices = 0;
    let rightLanguage = 0;
    const misses: string[] = [];
    const statusQuestions = corpus.filter((m) => m.intent === 'status');
    for (const m of corpus) {
      const u = understandMention(textOf(m.text), m.account, index);
      const said = u.intent === 'status';
      const asked = m.intent === 'status';
      if (said && asked) tp++;
      else if (said) {
        fp++;
        misses.push(`false status: ${m.id} ${m.text}`);
      } else if (asked) {
        fn++;
        misses.push(`missed status: ${m.id} ${m.text}`);
      }
      if (u.language === m.language) rightLanguage++;
      if (asked) {
        const same = [...u.offices].sort().join(',') === [...(m.offices ?? [])].sort().join(',');
        if (said && same) rightOffices++;
        else if (said)
          misses.push(
            `offices: ${m.id} ${m.text} -> [${u.offices.join(', ')}], expected [${(m.offices ?? []).join(', ')}]`,
          );
      }
    }
    const precision = tp / Math.max(1, tp + fp);
    const recall = tp / Math.max(1, tp + fn);
    const officeRate = rightOffices / Math.max(1, statusQuestions.length);
    t.comment(
      `precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}, offices ${officeRate.toFixed(3)}, language ${(rightLanguage / corpus.length).toFixed(3)} over ${corpus.length} mentions`,
    );
    for (const miss of misses) t.comment(miss);
    t.ok(precision >= 0.98, `precision ${precision.toFixed(3)} >= 0.98`);
    t.ok(recall >= 0.9, `recall ${recall.toFixed(3)} >= 0.9`);
    t.ok(officeRate >= 0.9, `right offices ${officeRate.toFixed(3)} >= 0.9`);
    t.ok(rightLanguage / corpus.length >= 0.95, 'the language of the question');
  });
}
