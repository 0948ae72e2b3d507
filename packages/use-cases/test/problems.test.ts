import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { fail, isProblemCode, Problem, PROBLEMS, problemCodesWithStatus, type ProblemCode } from '../src/index.js';

const root = join(import.meta.dirname, '../../..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist' || name === 'test') return [];
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

void t.test('each problem is defined once, with an error status and a title', async (t) => {
  const codes = Object.keys(PROBLEMS) as ProblemCode[];
  for (const code of codes) {
    t.match(code, /^[A-Z][A-Z0-9_]+$/, `${code}: a stable upper-case code`);
    t.ok(PROBLEMS[code].status >= 400 && PROBLEMS[code].status < 600, `${code}: a 4xx or 5xx status`);
    t.ok(PROBLEMS[code].title.length > 0, `${code}: a title`);
  }
  t.equal(new Set(codes.map((c) => c.toLowerCase().replace(/_/g, '-'))).size, codes.length, 'type URIs are distinct');
});

void t.test('fail builds the problem from the catalogue', async (t) => {
  const problem = fail('NOTICE_NOT_FOUND', 'No notice n1', { noticeId: 'n1' });
  t.ok(problem instanceof Problem);
  t.equal(problem.status, 404);
  t.equal(problem.title, PROBLEMS.NOTICE_NOT_FOUND.title);
  t.equal(problem.message, 'No notice n1');
  t.same(problem.extensions, { noticeId: 'n1' });
  t.ok(isProblemCode('RATE_LIMITED'));
  t.notOk(isProblemCode('toString'), 'only the catalogue’s own keys');
  t.same(problemCodesWithStatus(429), ['RATE_LIMITED']);
});

void t.test('every code in the catalogue is thrown somewhere, and nothing throws a code outside it', async (t) => {
  const files = [...sources(join(root, 'packages')), ...sources(join(root, 'services'))].filter(
    (f) => !f.endsWith('problems.ts'),
  );
  const text = files.map((f) => readFileSync(f, 'utf8')).join('\n');
  const thrown = new Set([...text.matchAll(/fail\(\s*'([A-Z0-9_]+)'/g)].map((m) => m[1]));
  for (const code of Object.keys(PROBLEMS)) t.ok(thrown.has(code), `${code} is used`);
  for (const code of thrown) t.ok(isProblemCode(code!), `${code} is in the catalogue`);
  t.notOk(/new HttpProblem\(|statusCode:\s*4\d\d,\s*code:/.test(text), 'no problem is built inline');
});
