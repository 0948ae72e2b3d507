// `pnpm start`: the API, the worker's loops and the X emulator in one process, on the embedded
// PGlite database unless DATABASE_URL says otherwise. X_API_BASE_URL, when set, wins: X is
// there, and the emulator is not started. Never with NODE_ENV=production.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '@jcp/config';
import { createLogger } from '@jcp/log';
import { runService } from '@jcp/serve';
import { startEmbeddedX } from './embedded-x.js';

const usage = `usage: pnpm start [--x-emulator] (node apps/start/src/main.ts)
Serves the API with the fan-out and the mention reader beside it, and runs the X emulator in
this process for them (--x-emulator, the default, says so explicitly). X_API_BASE_URL, when
set, is used instead. The emulator never runs with NODE_ENV=production: use pnpm serve.`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
}

try {
  parseArgs({ options: { 'x-emulator': { type: 'boolean', default: true } } });
} catch (error) {
  fail(`${(error as Error).message}\n${usage}`);
}
const config = readConfig();
if (config.NODE_ENV === 'production' && !config.X_API_BASE_URL)
  fail('the X emulator never runs in production (NODE_ENV=production): set X_API_BASE_URL');
const logger = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT, name: 'jcp-status' });
if (config.X_API_BASE_URL) logger.info('X_API_BASE_URL is set: X is there, and the X emulator is not started');
await runService(config, logger, {
  embeddedX: (database, credentialsKey, log) => startEmbeddedX(config, database, credentialsKey, log),
});
