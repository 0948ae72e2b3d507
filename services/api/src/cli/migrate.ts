import { migrate, readMigrations } from '@jcp/db';
import { openDatabase } from '../boot.js';
import { runCli } from './common.js';

await runCli(async (config, logger) => {
  const database = await openDatabase(config, logger);
  try {
    const applied = await migrate(database.db, await readMigrations(), logger.child({ module: 'migrator' }));
    process.stdout.write(applied.length ? `applied ${applied.join(', ')}\n` : 'no pending migrations\n');
    return 0;
  } finally {
    await database.close();
  }
});
