import { parseArgs } from 'node:util';
import {
  importAccountMapping,
  importOfficeRegistry,
  migrate,
  readMigrations,
  readRegistryFiles,
  type ImportReport,
} from '@jcp/db';
import { readFile } from 'node:fs/promises';
import { openDatabase } from '../boot.js';
import { runCli } from './common.js';

const usage = `usage: pnpm import-offices [--offices FILE] [--districts FILE] [--groups FILE] [--aliases FILE]
                           [--allow-mass-closure] [--mapping FILE] [--actor NAME]
Imports the office register (default: the bundled DWP register in data/jobcentres/).
--mapping imports the office-to-account mapping (office_id,handle,account_name,languages).
Offices missing from the file are closed for good; closing more than a tenth of the
open offices needs --allow-mass-closure. Exits 1 when any row was rejected; valid rows
are imported all the same. Migrates first when MIGRATE_ON_START is true (the default).`;

function printRejected(rejected: ImportReport['rejected']): void {
  for (const r of rejected)
    process.stderr.write(`${r.file ? `${r.file} ` : ''}line ${r.line}: ${r.field}: ${r.reason}\n`);
}

await runCli(async (config, logger) => {
  const { values } = parseArgs({
    options: {
      offices: { type: 'string' },
      districts: { type: 'string' },
      groups: { type: 'string' },
      aliases: { type: 'string' },
      mapping: { type: 'string' },
      'allow-mass-closure': { type: 'boolean', default: false },
      actor: { type: 'string', default: `cli:${process.env.USER ?? 'operator'}` },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const database = await openDatabase(config, logger);
  try {
    if (config.MIGRATE_ON_START) await migrate(database.db, await readMigrations());
    const actor = values.actor ?? 'cli';
    if (values.mapping) {
      const report = await importAccountMapping(database.db, await readFile(values.mapping, 'utf8'), actor);
      process.stdout.write(
        `mapping: ${report.total} rows, ${report.accountsCreated} accounts created, ${report.accountsUpdated} updated, ${report.officesMoved} offices moved, ${report.rejected.length} rejected\n`,
      );
      printRejected(report.rejected);
      return report.rejected.length > 0 ? 1 : 0;
    }
    const input = await readRegistryFiles({
      ...(values.offices ? { offices: values.offices } : {}),
      ...(values.districts ? { districts: values.districts } : {}),
      ...(values.groups ? { groups: values.groups } : {}),
      ...(values.aliases ? { aliases: values.aliases } : {}),
    });
    const report = await importOfficeRegistry(database.db, input, {
      actor,
      allowMassClosure: values['allow-mass-closure'] ?? false,
    });
    process.stdout.write(
      `offices: ${report.total} rows, ${report.inserted} added, ${report.updated} updated, ${report.unchanged} unchanged, ` +
        `${report.closed} closed permanently, ${report.rejected.length} rejected; ${report.accountsCreated} accounts created, ${report.aliasesAdded} aliases added\n`,
    );
    if (report.closuresSkipped)
      process.stdout.write(`offices missing from the file were not closed: ${report.closuresSkipped}\n`);
    printRejected(report.rejected);
    return report.rejected.length > 0 ? 1 : 0;
  } finally {
    await database.close();
  }
});
