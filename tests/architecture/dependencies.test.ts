// The direction of every dependency between the workspace's packages, checked twice: in each
// package.json's dependencies, and in every import of each package's src (a bare `@jcp/...`
// specifier, or a relative path that climbs out of the package).
//
//   tier 0  @jcp/domain, @jcp/config, @jcp/log        nothing of ours
//   tier 1  @jcp/x-client, @jcp/db                     the domain
//   tier 2  @jcp/use-cases                             tiers 0 and 1
//   tier 3  services: @jcp/api, @jcp/worker, @jcp/x-emulator
//                                                      tiers 0 to 2, never another service
//   tier 4  compositions (apps/*)                      anything, and the compositions they build on
//
// @jcp/testing is test support: tests, scripts and compositions may use it, no package or
// service. A package's devDependencies serve its own test/ folder (tests may use anything) and
// are not checked; its src may import only what its dependencies declare.
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

// Not imported from a workspace package: this test loads none of the code it judges.
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const TESTING = '@jcp/testing';
const TIER: Record<string, number> = {
  '@jcp/domain': 0,
  '@jcp/config': 0,
  '@jcp/log': 0,
  '@jcp/x-client': 1,
  '@jcp/db': 1,
  '@jcp/use-cases': 2,
  '@jcp/api': 3,
  '@jcp/worker': 3,
  '@jcp/x-emulator': 3,
};
const COMPOSITION = 4;
/** What a tier may use besides the tiers below it (tier 1 may use the domain only). */
const TIER_1_MAY_USE = new Set(['@jcp/domain']);

/**
 * Known violations, each to be removed by the change that ends it (the test fails when one no
 * longer occurs, so that the list cannot go stale).
 */
const KNOWN: { from: string; to: string; where: string; why: string }[] = [];

interface Workspace {
  name: string;
  dir: string;
  tier: number | null;
  dependencies: string[];
}

/** Why `from` may not use `to`, or null when it may. */
function refusal(from: Workspace, to: string, tierOf: (name: string) => number | null | undefined): string | null {
  if (to === from.name) return null;
  if (to === TESTING)
    return from.tier === COMPOSITION ? null : `${TESTING} is test support: only tests, scripts and compositions use it`;
  const target = tierOf(to);
  if (target === undefined) return `${to} is not a workspace package`;
  if (from.tier === null) {
    // @jcp/testing itself: helpers over the packages, never a service.
    return target !== null && target <= 2 ? null : `${TESTING} uses packages, never ${to}`;
  }
  if (target === null) return `${to} has no tier`;
  if (from.tier === COMPOSITION) return null;
  if (target >= from.tier)
    return from.tier === 3 && target === 3
      ? `a service never imports another service (${to})`
      : `tier ${from.tier} may not use ${to} (tier ${target}): dependencies point down`;
  if (from.tier === 1 && !TIER_1_MAY_USE.has(to)) return `tier 1 may use ${[...TIER_1_MAY_USE].join(', ')} only`;
  return null;
}

async function workspaces(): Promise<Workspace[]> {
  const globs = (await readFile(join(repoRoot, 'pnpm-workspace.yaml'), 'utf8'))
    .split('\n')
    .map((line) => /^\s+-\s+['"]?([\w-]+)\/\*['"]?\s*$/.exec(line)?.[1])
    .filter((g): g is string => Boolean(g));
  const found: Workspace[] = [];
  for (const group of globs) {
    for (const entry of await readdir(join(repoRoot, group), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dir = join(repoRoot, group, entry.name);
      const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
        name: string;
        dependencies?: Record<string, string>;
        peerDependencies?: Record<string, string>;
        optionalDependencies?: Record<string, string>;
      };
      found.push({
        name: manifest.name,
        dir,
        tier: group === 'apps' ? COMPOSITION : manifest.name === TESTING ? null : (TIER[manifest.name] ?? -1),
        dependencies: Object.keys({
          ...manifest.dependencies,
          ...manifest.peerDependencies,
          ...manifest.optionalDependencies,
        }),
      });
    }
  }
  return found;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && /\.(c|m)?(t|j)sx?$/.test(entry.name)) files.push(join(entry.parentPath, entry.name));
  }
  return files;
}

/** Every module specifier in a source file: static and dynamic imports, re-exports, require. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1]!);
  return found;
}

const packageOf = (specifier: string) => specifier.split('/').slice(0, 2).join('/');
const rel = (path: string) => relative(repoRoot, path).split(sep).join('/');

void t.test('the checker refuses what the rules refuse', async (t) => {
  const tierOf = (name: string) => (name === TESTING ? null : TIER[name]);
  const at = (name: string, tier: number | null): Workspace => ({ name, dir: '', tier, dependencies: [] });
  t.equal(refusal(at('@jcp/db', 1), '@jcp/domain', tierOf), null);
  t.equal(refusal(at('@jcp/x-client', 1), '@jcp/domain', tierOf), null);
  t.equal(refusal(at('@jcp/use-cases', 2), '@jcp/db', tierOf), null);
  t.equal(refusal(at('@jcp/api', 3), '@jcp/use-cases', tierOf), null);
  t.equal(refusal(at('@jcp/start', 4), '@jcp/x-emulator', tierOf), null);
  t.equal(refusal(at('@jcp/start', 4), TESTING, tierOf), null);
  t.match(refusal(at('@jcp/domain', 0), '@jcp/db', tierOf), /dependencies point down/);
  t.match(refusal(at('@jcp/db', 1), '@jcp/x-client', tierOf), /dependencies point down/);
  t.match(refusal(at('@jcp/db', 1), '@jcp/log', tierOf), /tier 1 may use @jcp\/domain only/);
  t.match(refusal(at('@jcp/db', 1), '@jcp/use-cases', tierOf), /dependencies point down/);
  t.match(refusal(at('@jcp/api', 3), '@jcp/worker', tierOf), /never imports another service/);
  t.match(refusal(at('@jcp/worker', 3), '@jcp/x-emulator', tierOf), /never imports another service/);
  t.match(refusal(at('@jcp/use-cases', 2), '@jcp/api', tierOf), /dependencies point down/);
  t.match(refusal(at('@jcp/api', 3), TESTING, tierOf), /test support/);
  t.match(refusal(at(TESTING, null), '@jcp/api', tierOf), /never @jcp\/api/);
  t.match(refusal(at('@jcp/api', 3), '@jcp/nothing', tierOf), /not a workspace package/);
  t.same(
    specifiers(
      "import a from '@jcp/a';\nimport type { B } from \"@jcp/b/x\";\nexport { c } from '../c.js';\nimport './d.js';\nconst e = await import('@jcp/e');\nexport * from './f.js';",
    ).sort(),
    ['../c.js', './d.js', './f.js', '@jcp/a', '@jcp/b/x', '@jcp/e'],
  );
});

void t.test('every workspace package depends and imports in the one direction', async (t) => {
  const all = await workspaces();
  const byName = new Map(all.map((w) => [w.name, w]));
  const tierOf = (name: string) => byName.get(name)?.tier;
  t.ok(all.length >= 11, 'the workspace was read');
  const violations: string[] = [];
  const seen = new Set<string>();
  const report = (from: Workspace, to: string, where: string, why: string) => {
    const known = KNOWN.find((k) => k.from === from.name && k.to === to && k.where === where);
    if (known) seen.add(`${known.from} ${known.to} ${known.where}`);
    else violations.push(`${where}: ${from.name} -> ${to}: ${why}`);
  };
  for (const workspace of all) {
    if (workspace.tier === -1) {
      violations.push(`${rel(workspace.dir)}: ${workspace.name} has no tier: add it to TIER in this test`);
      continue;
    }
    const manifest = `${rel(workspace.dir)}/package.json`;
    const ours = workspace.dependencies.filter((d) => d.startsWith('@jcp/'));
    for (const dependency of ours) {
      const why = refusal(workspace, dependency, tierOf);
      if (why) report(workspace, dependency, manifest, why);
    }
    for (const file of await sourceFiles(join(workspace.dir, 'src'))) {
      const source = await readFile(file, 'utf8');
      for (const specifier of specifiers(source)) {
        if (specifier.startsWith('.')) {
          const target = resolve(dirname(file), specifier);
          if (!`${target}${sep}`.startsWith(`${workspace.dir}${sep}`))
            violations.push(`${rel(file)}: ${specifier} reaches out of ${workspace.name}: import its package instead`);
          continue;
        }
        if (!specifier.startsWith('@jcp/')) continue;
        const to = packageOf(specifier);
        if (to === workspace.name) {
          violations.push(`${rel(file)}: imports its own package ${to}: use a relative path`);
          continue;
        }
        const why = refusal(workspace, to, tierOf);
        if (why) report(workspace, to, rel(file), why);
        else if (!workspace.dependencies.includes(to))
          violations.push(`${rel(file)}: imports ${to}, which ${manifest} does not declare in its dependencies`);
      }
    }
  }
  t.same(violations, [], 'no dependency points the wrong way');
  const stale = KNOWN.filter((k) => !seen.has(`${k.from} ${k.to} ${k.where}`));
  t.same(stale, [], 'every known violation still occurs: remove from KNOWN the ones that ended');
});
