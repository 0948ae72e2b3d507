// Every source file stays readable: at most MAX_LINES lines (the "about 400"),
// so that a file holds one concern. Tests and generated files are not counted.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import t from 'tap';

const root = join(import.meta.dirname, '../..');
const MAX_LINES = 420;
const SOURCE_ROOTS = ['packages', 'services', 'apps', 'scripts'];
/**
 * Files still over the limit, each to be split by the change that ends it (the test fails when
 * one is back under it, so that the list cannot go stale).
 */
const KNOWN_OVER: Record<string, string> = {};

function sourceFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist' || name === 'test') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js|mjs)$/.test(name) ? [path] : [];
  });
}

void t.test(`no source file is over ${MAX_LINES} lines`, async (t) => {
  const files = SOURCE_ROOTS.flatMap((d) => sourceFiles(join(root, d)));
  t.ok(files.length > 50, 'the source files are found');
  for (const file of files) {
    const name = relative(root, file);
    const lines = readFileSync(file, 'utf8').split('\n').length;
    if (KNOWN_OVER[name]) t.ok(lines > MAX_LINES, `${name}: still over (${lines} lines); else drop it from KNOWN_OVER`);
    else t.ok(lines <= MAX_LINES, `${name}: ${lines} lines`);
  }
  for (const name of Object.keys(KNOWN_OVER))
    t.ok(
      files.some((f) => relative(root, f) === name),
      `${name} exists`,
    );
});
