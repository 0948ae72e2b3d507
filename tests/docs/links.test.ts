/**
 * The README and docs/ link to each other by file and by section: every relative link names a
 * file that exists and, for a Markdown file, a heading it has (GitHub's anchors), so moving or
 * renaming a section cannot leave a dead link behind. The README stays a front page (about 200
 * lines at most: everything else belongs under docs/).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pages = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_\- ]/gu, '')
    .replaceAll(' ', '-');
}

function anchorsOf(file: string): Set<string> {
  const text = readFileSync(join(root, file), 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#+ (.*)$/gm)].map((m) => anchor(m[1]!)));
}

void t.test('every relative link of the README and docs/ resolves', async (t) => {
  for (const page of pages) {
    const text = readFileSync(join(root, page), 'utf8');
    for (const [, link] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (!link || /^[a-z]+:/.test(link)) continue;
      const [path = '', section] = link.split('#');
      const target = path ? normalize(join(dirname(page), path)) : page;
      // ../shared/ is the project's brief beside the repository, not part of it.
      if (target.startsWith('..')) continue;
      t.ok(existsSync(join(root, target)), `${page}: ${link} names a file`);
      if (section && target.endsWith('.md') && existsSync(join(root, target))) {
        t.ok(anchorsOf(target).has(section), `${page}: ${link} names a section of ${target}`);
      }
    }
  }
});

void t.test('the README is a front page', async (t) => {
  const lines = readFileSync(join(root, 'README.md'), 'utf8').split('\n').length;
  t.ok(lines <= 200, `README.md has ${lines} lines (at most 200)`);
});
