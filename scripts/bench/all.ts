/**
 * Every benchmark, one after the other, each in a process of its own; at the end, which ran
 * (and in full runs, which met its targets). The benchmarks are package.json's `bench:*`
 * scripts (bench:smoke aside), so a new one is included by being added there.
 *
 *   pnpm bench         full runs (exit code 1 if any failed or missed its target)
 *   pnpm bench:smoke   smoke mode (BENCH_SMOKE=1: one short round each, figures printed and
 *                      not judged; exit code 1 if any benchmark could not run): what CI runs
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { repoRoot } from '@jcp/db';
import { say, smoke } from './common.js';

const { scripts } = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};
const benchmarks = Object.keys(scripts).filter((name) => name.startsWith('bench:') && name !== 'bench:smoke');

const results: { name: string; ok: boolean; seconds: number }[] = [];
for (const name of benchmarks) {
  say(`\n== ${name}${smoke ? ' (smoke)' : ''}`);
  const started = performance.now();
  const code = await new Promise<number>((resolve) => {
    const child = spawn('pnpm', ['run', '--silent', name], {
      cwd: repoRoot,
      env: { ...process.env, ...(smoke ? { BENCH_SMOKE: '1' } : {}) },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', () => resolve(1));
    child.on('exit', (exit, signal) => resolve(exit ?? (signal ? 1 : 0)));
  });
  results.push({ name, ok: code === 0, seconds: (performance.now() - started) / 1000 });
}

say(`\n== benchmarks${smoke ? ' in smoke mode (figures not judged)' : ''}`);
for (const r of results) say(`${r.ok ? 'ok    ' : 'FAILED'} ${r.name.padEnd(18)} ${r.seconds.toFixed(1)} s`);
const failed = results.filter((r) => !r.ok).length;
say(`${results.length - failed} of ${results.length} benchmarks ${smoke ? 'ran' : 'ran and met their targets'}`);
process.exitCode = failed === 0 ? 0 : 1;
