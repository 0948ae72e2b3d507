// The search corpus (tests/fixtures/search-corpus.tsv), scored against the register as the
// API sees it: imported into a database and read back the way the office index is built.
import { readFileSync } from 'node:fs';
import { importOfficeRegistry, loadOfficeEntries, readRegistryFiles } from '@jcp/db';
import { buildOfficeIndex, searchOffices } from '@jcp/domain';
import { createTestDatabase } from '@jcp/testing';
import t from 'tap';

interface Labelled {
  query: string;
  /** Any of these is the right answer (several for an ambiguous town). */
  expected: string[];
  category: string;
}

const corpus: Labelled[] = readFileSync(new URL('../fixtures/search-corpus.tsv', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '' && !line.startsWith('#'))
  .map((line) => {
    const [query, expected, category] = line.split('\t');
    return { query: query!, expected: expected!.split(' '), category: category! };
  });

void t.test('the search corpus: the expected office first in 95%, in the top three in 99%', async (t) => {
  const database = await createTestDatabase(t);
  await importOfficeRegistry(database.db, await readRegistryFiles(), { actor: 'test' });
  const entries = await loadOfficeEntries(database.db);
  const index = buildOfficeIndex(entries);
  const ids = new Set(entries.map((e) => e.id));

  t.ok(corpus.length >= 150, `${corpus.length} queries`);
  const unknown = corpus.flatMap((c) => c.expected).filter((id) => !ids.has(id));
  t.same(unknown, [], 'every expected id is an office of the register');

  let first = 0;
  let topThree = 0;
  const misses: string[] = [];
  const byCategory = new Map<string, { total: number; first: number }>();
  for (const { query, expected, category } of corpus) {
    const hits = searchOffices(index, query, { limit: 3 });
    const isFirst = hits[0] !== undefined && expected.includes(hits[0].id);
    const inTopThree = hits.some((hit) => expected.includes(hit.id));
    if (isFirst) first++;
    if (inTopThree) topThree++;
    const score = byCategory.get(category) ?? { total: 0, first: 0 };
    byCategory.set(category, { total: score.total + 1, first: score.first + (isFirst ? 1 : 0) });
    if (!isFirst)
      misses.push(
        `${inTopThree ? 'top three' : 'missed'} [${category}] ${JSON.stringify(query)}: expected ${expected.join(' or ')}, got ${hits.map((h) => `${h.id} (${h.reason})`).join(', ') || 'nothing'}`,
      );
  }
  const percent = (n: number) => ((100 * n) / corpus.length).toFixed(1);
  t.comment(
    `search corpus: ${corpus.length} queries, first ${first} (${percent(first)}%), top three ${topThree} (${percent(topThree)}%)`,
  );
  for (const [category, score] of byCategory) t.comment(`  ${category}: ${score.first}/${score.total} first`);
  for (const miss of misses) t.comment(miss);
  t.ok(first >= 0.95 * corpus.length, `first in ${percent(first)}% (at least 95%)`);
  t.ok(topThree >= 0.99 * corpus.length, `in the top three in ${percent(topThree)}% (at least 99%)`);
});
