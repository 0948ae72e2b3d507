import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createDatabase,
  importOfficeRegistry,
  migrate,
  readMigrations,
  readRegistryFiles,
  repoRoot,
  type Database,
} from '@jcp/db';
import { createEmptyPostgresDatabase, freePort, spawnScript } from '@jcp/testing';
import autocannon from 'autocannon';

/**
 * Smoke mode (`BENCH_SMOKE=1` or `--smoke`, what `pnpm bench:smoke` and CI run): one short
 * round, the figures printed and not judged. A benchmark that cannot run (a crash, a service
 * that does not start, a wrong answer) still fails; a missed target does not.
 */
export const smoke = process.env.BENCH_SMOKE === '1' || process.argv.includes('--smoke');

/** A numeric setting: its variable if set, else the smoke or the full run's default. */
export function setting(variable: string, full: number, smokeValue: number): number {
  const raw = process.env[variable];
  const value = raw === undefined || raw === '' ? (smoke ? smokeValue : full) : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${variable} must be a positive number`);
  return value;
}

export const say = (line: string): void => void process.stdout.write(`${line}\n`);

/**
 * The verdict on the targets: printed always, and the exit code in a full run. In smoke mode
 * the figures of one short round on a shared machine say nothing about the targets.
 */
export function verdict(met: boolean, target: string): void {
  if (smoke) say(`smoke run: figures not judged (target ${target})`);
  else say(met ? `target met (${target})` : `TARGET NOT MET (${target})`);
  if (!met && !smoke) process.exitCode = 1;
}

/** Cleanups, run in reverse order at the end of a benchmark (once). */
export class Teardowns {
  private readonly fns: (() => unknown)[] = [];
  /** Set once the cleanups began: children stopping then are expected to. */
  stopping = false;
  teardown(fn: () => unknown): void {
    this.fns.push(fn);
  }
  async run(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const fn of this.fns.reverse()) await fn();
  }
}

/** A fresh database on the benchmark server, migrated, with the register imported. */
export async function registerDatabase(scope: Teardowns, server: string): Promise<{ url: string; database: Database }> {
  const url = await createEmptyPostgresDatabase(scope, server);
  const database = await createDatabase({ url, poolMax: 2 });
  scope.teardown(() => database.close());
  await migrate(database.db, await readMigrations());
  await importOfficeRegistry(database.db, await readRegistryFiles(), { actor: 'bench' });
  return { url, database };
}

export type Child = ChildProcess & { output: { stdout: string; stderr: string } };

/**
 * Starts what `pnpm <script>` runs (read from package.json, so that a benchmark follows the
 * command wherever its entry point moves), as a child process in a process group of its own.
 * A `node ...` command is started with this Node directly (as pnpm would); anything else
 * through the shell. `env` is added to this process's environment.
 */
export function spawnPackageScript(scope: Teardowns, script: string, env: Record<string, string>): Child {
  const scripts = (
    JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  ).scripts;
  const command = scripts[script];
  if (!command) throw new Error(`package.json has no script "${script}"`);
  const words = command.trim().split(/\s+/);
  // PROFILE_DIR: each Node child writes a V8 CPU profile there when it exits.
  const profile = process.env.PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE_DIR}`] : [];
  const simple = words[0] === 'node' && !/[|&;<>()$`"'\\]/.test(command);
  const child = (
    simple
      ? spawn(process.execPath, [...profile, ...words.slice(1)], {
          cwd: repoRoot,
          env: { ...process.env, ...env },
          detached: true,
        })
      : spawn('sh', ['-c', command], { cwd: repoRoot, env: { ...process.env, ...env }, detached: true })
  ) as Child;
  child.stdin?.end();
  child.output = { stdout: '', stderr: '' };
  // Kept short: a service logging every request would otherwise fill the memory.
  const keep = (text: string, d: Buffer) => (text + d.toString()).slice(-20_000);
  child.stdout?.on('data', (d: Buffer) => (child.output.stdout = keep(child.output.stdout, d)));
  child.stderr?.on('data', (d: Buffer) => (child.output.stderr = keep(child.output.stderr, d)));
  scope.teardown(() => stopChild(child));
  return child;
}

/** SIGTERM to the child's process group, SIGKILL after 10 s; resolves once it exited. */
export async function stopChild(child: Child): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Resolves when GET http://127.0.0.1:port/readyz answers 200; fails at once if the child exits first. */
export async function waitForChildReady(child: Child, port: number, what: string, timeoutMs = 60_000): Promise<void> {
  const output = () => `${child.output.stderr}\n${child.output.stdout}`.trim();
  for (const deadline = Date.now() + timeoutMs; ;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output()}`);
    const status = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${what} was not ready within ${timeoutMs} ms:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Fails the benchmark at once if the child exits before its end (a crash would otherwise read as a time-out). */
export function watchChild(scope: Teardowns, child: Child, what: string): void {
  child.once('exit', (code, signal) => {
    if (scope.stopping) return;
    process.stderr.write(`${what} exited (${code ?? signal}) during the benchmark:\n${child.output.stderr}\n`);
    void scope.run().finally(() => process.exit(1));
  });
}

/** A random 32-byte key, base64, as the services' *_KEY variables take. */
export const randomKey = (): string => randomBytes(32).toString('base64');

/**
 * The service as `pnpm start` runs it (package.json's command: the API with the X emulator,
 * the dispatcher and the mention reader), with its defaults (LOG_LEVEL, LOG_FORMAT, NODE_ENV...)
 * unless `env` says otherwise, on that database, in a child process; resolves with its URL once
 * ready. Its keys are made here (random, in its environment), so that nothing is written
 * next to the repo's embedded database, and the emulator listens on a free port.
 */
export async function startService(
  scope: Teardowns,
  url: string,
  env: Record<string, string>,
): Promise<{ base: string; pid: number | undefined }> {
  const port = await freePort();
  const service = spawnPackageScript(scope, 'start', {
    DATABASE_URL: url,
    PORT: String(port),
    X_EMULATOR_PORT: '0',
    X_CREDENTIALS_KEY: randomKey(),
    OPT_OUT_HASH_KEY: randomKey(),
    ...env,
  });
  await waitForChildReady(service, port, 'the service (pnpm start)');
  watchChild(scope, service, 'the service (pnpm start)');
  return { base: `http://127.0.0.1:${port}`, pid: service.pid };
}

/**
 * Puts the servers under test on the last core and this process (the load generator) on the
 * first, with `taskset` (Linux), so that a comparison is not decided by where the scheduler
 * happens to place each process for a round: on two cores, unpinned rounds of the same
 * build swing by a third. Every thread of a server moves (`-a`). BENCH_PIN=0 leaves placement
 * to the scheduler. Returns what it did, for the report.
 */
export function pinCpus(serverPids: (number | undefined)[]): string {
  const cores = availableParallelism();
  if (process.env.BENCH_PIN === '0' || cores < 2) return 'not pinned';
  try {
    execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
    for (const pid of serverPids)
      if (pid !== undefined)
        execFileSync('taskset', ['-a', '-p', '-c', String(cores - 1), String(pid)], { stdio: 'ignore' });
    return `load generator on core 0, servers on core ${cores - 1}`;
  } catch {
    return 'not pinned (no taskset)';
  }
}

/**
 * The CPU time (user and system) process `pid` has used so far, in ms, from /proc (Linux);
 * undefined elsewhere. Less noisy than throughput on a shared machine: what a request costs.
 */
export function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // After the command's closing parenthesis: state (field 3) ... utime (14) and stime (15), in ticks of 10 ms.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/**
 * The headers of a service's answer that a baseline must send to answer the same bytes:
 * all but those Node's HTTP server writes itself (date, connection, keep-alive,
 * content-length, transfer-encoding).
 */
export function sameHeaders(headers: Headers): Record<string, string> {
  const own = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);
  const kept: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (!own.has(name)) kept[name] = value;
  });
  return kept;
}

/** One autocannon run's figures. */
export interface Figures {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** The server's CPU time per request, µs (NaN where /proc is not there). */
  cpuUs: number;
}

/** Loads `url` for `duration` seconds with `connections` connections sending CLIENT_HEADERS; `pid`, the server's, for its CPU time. */
export async function load(
  url: string,
  duration: number,
  pid: number | undefined,
  connections: number,
): Promise<Figures> {
  const cpuBefore = cpuMs(pid);
  const result = await autocannon({ url, connections, duration, pipelining: 1, headers: { ...CLIENT_HEADERS } });
  const cpuAfter = cpuMs(pid);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    cpuUs:
      cpuBefore === undefined || cpuAfter === undefined ? NaN : ((cpuAfter - cpuBefore) * 1000) / result.requests.total,
  };
}

/** A process's resident memory now and at its peak, MB, from /proc (Linux); undefined elsewhere. */
export function residentMb(pid: number | undefined): { now: number; peak: number } | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { now: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/**
 * What a bare route answers (scripts/bench/bare-server.ts): the service's answer to `url`,
 * its headers and body as sent (base64: compressed when the service compressed it).
 */
export interface BareAnswer {
  url: string;
  body: string;
  headers: Record<string, string>;
}

/** What the benchmarks' clients send, as a browser or a CDN does: they accept compressed answers. */
export const CLIENT_HEADERS: Readonly<Record<string, string>> = { 'accept-encoding': 'gzip, deflate, br' };

/** GET over node:http with the clients' headers: status, headers (those Node writes left out) and the body as sent. */
function rawAnswer(url: string): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { headers: CLIENT_HEADERS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(res.headers))
          if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
        resolve({ status: res.statusCode ?? 0, headers: sameHeaders(headers), body: Buffer.concat(chunks) });
      });
    }).on('error', reject);
  });
}

/** Fetches what the service answers to each path, for the baseline to answer the same bytes. */
export async function sameAnswers(base: string, paths: readonly string[]): Promise<BareAnswer[]> {
  const answers: BareAnswer[] = [];
  for (const url of paths) {
    const res = await rawAnswer(`${base}${url}`);
    if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${res.body.toString()}`);
    answers.push({ url, body: res.body.toString('base64'), headers: res.headers });
  }
  return answers;
}

/**
 * Starts the bare baseline answering `answers` (a child process, stopped at teardown), and
 * checks that it answers the same bytes as the service; resolves with its base URL and pid.
 */
export async function startBaseline(
  scope: Teardowns,
  answers: readonly BareAnswer[],
): Promise<{ base: string; pid: number | undefined }> {
  const routesFile = join(tmpdir(), `jcp-bench-routes-${process.pid}-${randomBytes(4).toString('hex')}.json`);
  await writeFile(routesFile, JSON.stringify(answers));
  scope.teardown(() => rm(routesFile, { force: true }));
  const port = await freePort();
  const bare = spawnScript('scripts/bench/bare-server.ts', [], { PORT: String(port), ROUTES_FILE: routesFile });
  scope.teardown(() => bare.kill('SIGTERM'));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ok = await fetch(`${base}${answers[0]?.url ?? '/'}`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 200) throw new Error('the baseline does not answer');
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const answer of answers) {
    const res = await rawAnswer(`${base}${answer.url}`);
    if (res.body.toString('base64') !== answer.body || JSON.stringify(res.headers) !== JSON.stringify(answer.headers))
      throw new Error(`the baseline does not answer the same bytes for ${answer.url}`);
  }
  return { base, pid: bare.pid };
}
