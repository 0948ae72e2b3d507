import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '@jcp/config';
import { createLogger } from '@jcp/log';
import {
  bindRealX,
  dispatcherFromConfig,
  ingesterFromConfig,
  mentionPolicy,
  mentionRetention,
  postBudgets,
  resolveCredentialsKey,
  resolveOptOutKey,
  startEmbeddedX,
  xSettings,
  xTargetOf,
  type Dispatcher,
  type EmbeddedX,
  type MentionIngester,
} from '@jcp/worker';
import { createXClient } from '@jcp/x-client';
import closeWithGrace from 'close-with-grace';
import { buildApp, type AppOptions } from './app.js';
import { openDatabase, prepareDatabase } from './boot.js';

const usage = `usage: node services/api/src/server.ts [--x-emulator]
Serves the API. X is the one at X_API_BASE_URL; without it, --x-emulator (what pnpm start
passes) runs the X emulator in this process, and without either nothing is posted to X or
read from it. The emulator never runs with NODE_ENV=production.`;

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

let emulatorAsked: boolean;
try {
  emulatorAsked =
    parseArgs({ options: { 'x-emulator': { type: 'boolean', default: false } } }).values['x-emulator'] ?? false;
} catch (error) {
  fail(`${(error as Error).message}\n${usage}`);
}
const config = readConfig();
/** Where X calls go: a real X (X_API_BASE_URL), the emulator in this process, or nowhere. */
const xMode = config.X_API_BASE_URL ? 'x' : emulatorAsked ? 'emulator' : 'off';
if (config.NODE_ENV === 'production' && xMode !== 'x') {
  fail(
    emulatorAsked
      ? 'the X emulator never runs in production (NODE_ENV=production): set X_API_BASE_URL'
      : 'X_API_BASE_URL is required in production',
  );
}
const logger = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT, name: 'jcp-status' });
if (emulatorAsked && xMode === 'x') logger.info('X_API_BASE_URL is set: X is there, and the X emulator is not started');

try {
  const database = await openDatabase(config, logger);
  const migrations = await prepareDatabase(config, database, logger);
  // Who said stop is kept as a keyed hash, and mentions are pruned, whether or not X is configured.
  const optOutKey = await resolveOptOutKey(config);
  let embeddedX: EmbeddedX | null = null;
  let dispatcher: Dispatcher | null = null;
  let ingester: MentionIngester | null = null;
  let x: Pick<AppOptions, 'fanout' | 'mentions'> = {};
  if (xMode === 'off') {
    logger.warn(
      'no X configured: nothing is posted to X and no mention is read (set X_API_BASE_URL with X_APP_KEY and X_APP_SECRET, or pass --x-emulator as pnpm start does)',
    );
  } else {
    const credentialsKey = await resolveCredentialsKey(config);
    // The emulator gives the accounts their identities, only on a database of its own; a real X binds the database to itself.
    if (xMode === 'emulator')
      embeddedX = await startEmbeddedX(config, database, credentialsKey, logger.child({ module: 'x-emulator' }));
    else await bindRealX(database, config, logger, 'system:api');
    const settings = xSettings(config, embeddedX?.baseUrl);
    x = {
      fanout: {
        credentialsKey,
        xTarget: xTargetOf(config),
        verifyAccount: async (tokens) => {
          const me = await createXClient({
            baseUrl: settings.baseUrl,
            appKey: settings.appKey,
            appSecret: settings.appSecret,
            timeoutMs: settings.timeoutMs,
            ...tokens,
          }).v2.me();
          return { id: me.data.id, username: me.data.username };
        },
        ...postBudgets(config),
        coalesceSeconds: config.FANOUT_COALESCE_SECONDS,
      },
      // X signs the Activity API webhook (CRC and deliveries) with the app's consumer secret.
      mentions: { appSecret: settings.appSecret, ...mentionPolicy(config) },
    };
    dispatcher = config.FANOUT_ENABLED
      ? dispatcherFromConfig(config, { database, logger, credentialsKey, x: settings })
      : null;
    // Reads mentions when this instance holds the ingest lock (stands by otherwise).
    const wake = dispatcher ? dispatcher.wake : undefined;
    ingester = config.MENTIONS_ENABLED
      ? ingesterFromConfig(config, {
          database,
          logger,
          credentialsKey,
          optOutKey,
          x: settings,
          ...(wake ? { onQueued: () => wake() } : {}),
        })
      : null;
  }
  const app = await buildApp({
    database,
    migrations,
    closeDatabaseOnShutdown: true,
    logger,
    slowRequestMs: config.LOG_SLOW_REQUEST_MS,
    readAccess: config.READ_ACCESS,
    rateLimit: { max: config.RATE_LIMIT_MAX, windowMs: config.RATE_LIMIT_WINDOW_MS },
    scheduler: { enabled: config.SCHEDULER_ENABLED, settleCron: config.SETTLE_CRON },
    privacy: { optOutKey, retention: mentionRetention(config) },
    ...x,
  });

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
