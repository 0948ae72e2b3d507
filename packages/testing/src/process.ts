import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { repoRoot } from '@jcp/db';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const nodeArgs = ['--conditions=@jcp/source', '--import=tsx'];

/** Starts a TypeScript entry point of the repo as a real child process. */
export function spawnScript(
  script: string,
  args: string[],
  env: Record<string, string | undefined>,
): ChildProcess & { output: { stdout: string; stderr: string } } {
  // PROFILE_DIR: each child writes a V8 CPU profile there when it exits (benchmarks).
  const profile = process.env.PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, ...profile, script, ...args], {
    cwd: repoRoot,
    env: { ...process.env, LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as ChildProcess & { output: { stdout: string; stderr: string } };
  child.output = { stdout: '', stderr: '' };
  child.stdout?.on('data', (d: Buffer) => (child.output.stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (child.output.stderr += d.toString()));
  return child;
}

export function waitForExit(
  child: ChildProcess & { output: { stdout: string; stderr: string } },
  timeoutMs = 60_000,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`process did not exit within ${timeoutMs} ms\n${child.output.stderr}`));
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      // Let the pipes drain before reading what the process printed.
      setImmediate(() => resolve({ code, signal, ...child.output }));
    });
  });
}

/** Runs a script to completion. */
export function runScript(
  script: string,
  args: string[],
  env: Record<string, string | undefined>,
  timeoutMs?: number,
): Promise<RunResult> {
  return waitForExit(spawnScript(script, args, env), timeoutMs);
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls GET /readyz on 127.0.0.1:port until it answers 200 (or the time is up); returns the last status. */
export async function waitForReady(port: number, timeoutMs = 60_000): Promise<number> {
  let status = 0;
  for (const deadline = Date.now() + timeoutMs; status !== 200 && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 100));
    status = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
  }
  return status;
}
