// The standalone worker: the fan-out dispatcher and the mention ingester on a PostgreSQL
// server, talking to the X API at X_API_BASE_URL. Run as many as you like: they share
// the posts, and one at a time reads mentions while the others stand by. It never runs the
// X emulator: without X_API_BASE_URL it does not start.
import { ConfigError, loadConfig } from '@jcp/config';
import { createDatabase } from '@jcp/db';
import { createLogger } from '@jcp/log';
import closeWithGrace from 'close-with-grace';
import { bindRealX, resolveCredentialsKey, resolveOptOutKey, xSettings } from '@jcp/use-cases';
import { dispatcherFromConfig, ingesterFromConfig } from './runtime.js';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}
if (!config.DATABASE_URL)
  fail('DATABASE_URL is required: workers share a PostgreSQL server (the embedded PGlite belongs to `pnpm start`)');
const logger = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT, name: 'jcp-worker' });

try {
  const x = xSettings(config);
  const credentialsKey = await resolveCredentialsKey(config);
  const optOutKey = await resolveOptOutKey(config);
  const database = await createDatabase({
    url: config.DATABASE_URL,
    poolMax: config.DATABASE_POOL_MAX,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    idleInTransactionTimeoutMs: config.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    onPoolError: (error) => logger.warn({ err: error }, 'idle database connection failed'),
  });
  await bindRealX(database, config, logger, 'system:worker');
  const dispatcher = dispatcherFromConfig(config, { database, logger, credentialsKey, x });
  // Every worker stands by to read mentions; one at a time does (the ingest lock).
  const ingester = config.MENTIONS_ENABLED
    ? ingesterFromConfig(config, { database, logger, credentialsKey, optOutKey, x, onQueued: () => dispatcher.wake() })
    : null;
  closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'shutting down after an error');
    else logger.info({ signal }, 'shutting down');
    await ingester?.stop();
    await dispatcher.stop();
    await database.close();
  });
  await dispatcher.start();
  await ingester?.start();
} catch (error) {
  logger.fatal({ err: error }, 'worker failed to start');
  logger.flush?.();
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 200).unref();
}
