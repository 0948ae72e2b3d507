import { parseArgs } from 'node:util';
import { resolveCredentialsKey, rotateCredentials } from '@jcp/use-cases';
import { openDatabase } from '../boot.js';
import { runCli } from './common.js';

const usage = `usage: pnpm rotate-credentials [--dry-run] [--batch N]
Seals every account's stored X credentials again under X_CREDENTIALS_KEY, bound to the
account, in batches of N (default 100). Credentials sealed with the previous key open with
X_CREDENTIALS_KEY_PREVIOUS. Safe while the services run, provided they already have both keys;
run it again at will. --dry-run only counts. Exits 1 if any account's credentials do not open.`;

await runCli(async (config, logger) => {
  const { values } = parseArgs({
    options: {
      'dry-run': { type: 'boolean', default: false },
      batch: { type: 'string', default: '100' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const batchSize = Number(values.batch);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    process.stderr.write(`--batch must be a whole number from 1 to 10000\n${usage}\n`);
    return 1;
  }
  const keys = await resolveCredentialsKey(config);
  const database = await openDatabase(config, logger);
  try {
    const dryRun = values['dry-run'] ?? false;
    const report = await rotateCredentials(database, keys, {
      actor: `cli:${process.env.USER ?? 'operator'}`,
      batchSize,
      dryRun,
    });
    process.stdout.write(
      `credentials of ${report.accounts} account(s), current key ${report.keyId}: ${report.resealed} ${dryRun ? 'to seal again' : 'sealed again'}, ` +
        `${report.current} already current, ${report.changedMeanwhile} changed meanwhile (left as they are), ${report.failed.length} could not be opened\n`,
    );
    for (const f of report.failed) process.stderr.write(`${f.accountId}: ${f.reason}\n`);
    return report.failed.length > 0 ? 1 : 0;
  } finally {
    await database.close();
  }
});
