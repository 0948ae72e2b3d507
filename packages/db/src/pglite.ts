// The embedded database (PGlite): opening a data folder, locked to one process.
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { DbError } from './errors.js';
import { pgliteParsers } from './parsers.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite is one process's database: a second process opening the same folder (a CLI
 * next to the running service) would corrupt it. A lock file holding the owner's pid
 * refuses that clearly; a lock left by a dead process is taken over.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  if (dataDir.startsWith('memory://')) return async () => {};
  await mkdir(dataDir, { recursive: true });
  const lockFile = `${dataDir.replace(/\/+$/, '')}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
      if (owner && owner !== process.pid && isAlive(owner)) {
        throw new DbError(
          'PGLITE_IN_USE',
          `the embedded database in ${dataDir} is in use by process ${owner}; stop it first, or use DATABASE_URL (PostgreSQL) for several processes`,
        );
      }
      await rm(lockFile, { force: true });
    }
  }
  throw new DbError('PGLITE_IN_USE', `could not lock the embedded database in ${dataDir}`);
}

export async function openPglite(dataDir: string, loadDataDir?: Blob): Promise<PGlite> {
  if (!dataDir.startsWith('memory://')) await mkdir(dataDir, { recursive: true });
  const pglite = new PGlite({
    ...(dataDir.startsWith('memory://') ? {} : { dataDir }),
    ...(loadDataDir ? { loadDataDir } : {}),
    parsers: pgliteParsers,
  });
  await pglite.waitReady;
  return pglite;
}
