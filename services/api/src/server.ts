import { ConfigError, loadConfig, type Config } from '@jcp/config';
import { createLogger } from '@jcp/log';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { openDatabase, prepareDatabase } from './boot.js';

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

const config = readConfig();
const logger = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT, name: 'jcp-status' });

try {
  const database = await openDatabase(config, logger);
  const migrations = await prepareDatabase(config, database, logger);
  const app = await buildApp({
    database,
    migrations,
    closeDatabaseOnShutdown: true,
    logger,
    readAccess: config.READ_ACCESS,
    rateLimit: { max: config.RATE_LIMIT_MAX, windowMs: config.RATE_LIMIT_WINDOW_MS },
    scheduler: { enabled: config.SCHEDULER_ENABLED, settleCron: config.SETTLE_CRON },
  });

  closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'shutting down after an error');
    else logger.info({ signal }, 'shutting down');
    await app.close();
  });

  await app.listen({ host: config.HOST, port: config.PORT });
} catch (error) {
  logger.fatal({ err: error }, 'failed to start');
  logger.flush?.();
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 200).unref();
}
