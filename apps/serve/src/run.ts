// One process: the API and, when there is an X to talk to, the worker's loops beside it (the
// fan-out dispatcher, unless FANOUT_ENABLED=false, and the mention ingester, unless
// MENTIONS_ENABLED=false). `pnpm serve` and the production image run it with the X of
// X_API_BASE_URL; `pnpm start` (apps/start) gives it the X emulator it runs in the process.
import { buildApp, openDatabase, prepareDatabase, type AppOptions } from '@jcp/api';
import type { Config } from '@jcp/config';
import type { Database } from '@jcp/db';
import type { Logger } from '@jcp/log';
import {
  bindRealX,
  mentionPolicy,
  mentionRetention,
  postBudgets,
  resolveCredentialsKey,
  resolveOptOutKey,
  xSettings,
  xTargetOf,
} from '@jcp/use-cases';
import { dispatcherFromConfig, ingesterFromConfig, type Dispatcher, type MentionIngester } from '@jcp/worker';
import { createXClient, type CredentialsKeys } from '@jcp/x-client';
import closeWithGrace from 'close-with-grace';

/** An X running in this process (the emulator of `pnpm start`): where it listens, and how to stop it. */
export interface EmbeddedX {
  baseUrl: string;
  accounts: number;
  close: () => Promise<void>;
}

export interface ServiceOptions {
  /** Starts an X in this process when X_API_BASE_URL is not set, on the database just opened and prepared. */
  embeddedX?: (database: Database, credentialsKey: CredentialsKeys, logger: Logger) => Promise<EmbeddedX>;
}

/** Opens and prepares the database, serves the API and runs the loops; on failure logs it and exits 1. */
export async function runService(config: Config, logger: Logger, options: ServiceOptions = {}): Promise<void> {
  /** Where X calls go: a real X (X_API_BASE_URL), an X in this process, or nowhere. */
  const xMode = config.X_API_BASE_URL ? 'x' : options.embeddedX ? 'emulator' : 'off';
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
        'no X configured: nothing is posted to X and no mention is read (set X_API_BASE_URL with X_APP_KEY and X_APP_SECRET, or run pnpm start, which runs the X emulator)',
      );
    } else {
      const credentialsKey = await resolveCredentialsKey(config);
      // The emulator gives the accounts their identities, only on a database of its own; a real X binds the database to itself.
      if (xMode === 'emulator' && options.embeddedX)
        embeddedX = await options.embeddedX(database, credentialsKey, logger.child({ module: 'x-emulator' }));
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
}
