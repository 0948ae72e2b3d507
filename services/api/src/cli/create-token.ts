import { parseArgs } from 'node:util';
import { issueToken, migrate, readMigrations, type Role } from '@jcp/db';
import { openDatabase } from '../boot.js';
import { runCli } from './common.js';

const usage = `usage: pnpm create-token --name NAME [--role admin|manager|reader] [--district CODE]... [--account ID]...
Issues an API token and prints it once (the database keeps only its hash). The first
admin token comes from here; later ones can be issued by an admin through the API.`;

await runCli(async (config, logger) => {
  const { values } = parseArgs({
    options: {
      name: { type: 'string' },
      role: { type: 'string', default: 'admin' },
      district: { type: 'string', multiple: true, default: [] },
      account: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.name) {
    process.stdout.write(`${usage}\n`);
    return values.help ? 0 : 1;
  }
  if (!['admin', 'manager', 'reader'].includes(values.role ?? '')) {
    process.stderr.write(`--role must be admin, manager or reader\n`);
    return 1;
  }
  const database = await openDatabase(config, logger);
  try {
    if (config.MIGRATE_ON_START) await migrate(database.db, await readMigrations());
    const { token, record } = await issueToken(database.db, {
      name: values.name,
      role: values.role as Role,
      districtCodes: values.district ?? [],
      accountIds: values.account ?? [],
      createdBy: `cli:${process.env.USER ?? 'operator'}`,
    });
    process.stdout.write(
      `token ${record.id} (${record.role}) for "${record.name}":\n${token}\nIt is shown once: store it now.\n`,
    );
    return 0;
  } finally {
    await database.close();
  }
});
