import { ConfigError, loadConfig, type Config } from '@jcp/config';
import { createLogger } from '@jcp/log';
import { dispatcherFromConfig, ingesterFromConfig, mentionPolicy, mentionRetention, postBudgets, resolveCredentialsKey, resolveOptOutKey, startEmbeddedX, xSettings, type Dispatcher, type EmbeddedX, type MentionIngester } from '@jcp/worker';
import { createXClient } from '@jcp/x-client';
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
  const credentialsKey = await resolveCredentialsKey(config);
  const optOutKey = await resolveOptOutKey(config);
  // No X API configured: the embedded default runs the X emulator, with every account on it.
  if (!config.X_API_BASE_URL && config.NODE_ENV === 'production') throw new Error('X_API_BASE_URL is required in production');
  const embeddedX: EmbeddedX | null = config.X_API_BASE_URL ? null : await startEmbeddedX(config, database, credentialsKey, logger.child({ module: 'x-emulator' }));
  const x = xSettings(config, embeddedX?.baseUrl);
  const app = await buildApp({
    database,
    migrations,
    closeDatabaseOnShutdown: true,
    logger,
    readAccess: config.READ_ACCESS,
    rateLimit: { max: config.RATE_LIMIT_MAX, windowMs: config.RATE_LIMIT_WINDOW_MS },
    scheduler: { enabled: config.SCHEDULER_ENABLED, settleCron: config.SETTLE_CRON },
    fanout: {
      credentialsKey,
      verifyAccount: async (tokens) => {
        const me = await createXClient({ baseUrl: x.baseUrl, appKey: x.appKey, appSecret: x.appSecret, timeoutMs: x.timeoutMs, ...tokens }).v2.me();
        return { id: me.data.id, username: me.data.username };
      },
      ...postBudgets(config),
      coalesceSeconds: config.FANOUT_COALESCE_SECONDS,
    },
    // X signs the Activity API webhook (CRC and deliveries) with the app's consumer secret.
    mentions: { appSecret: x.appSecret, ...mentionPolicy(config) },
    privacy: { optOutKey, retention: mentionRetention(config) },
  });
  const dispatcher: Dispatcher | null = config.FANOUT_ENABLED ? dispatcherFromConfig(config, { database, logger, credentialsKey, x }) : null;
  // Reads mentions when this instance holds the ingest lock (stands by otherwise).
  const ingester: MentionIngester | null = config.MENTIONS_ENABLED
    ? ingesterFromConfig(config, { database, logger, credentialsKey, optOutKey, x, ...(dispatcher ? { onQueued: () => dispatcher.wake() } : {}) })
    : null;

  closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'shutting down after an error');
    else logger.info({ signal }, 'shutting down');
    await ingester?.stop();
    await dispatcher?.stop();
    await app.close();
    await embeddedX?.close();
  });

  await app.listen({ host: config.HOST, port: config.PORT });
  await dispatcher?.start();
  await ingester?.start();
} catch (error) {
  logger.fatal({ err: error }, 'failed to start');
  logger.flush?.();
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 200).unref();
}
