import type { Database, MigrationFile } from '@jcp/db';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { installProblemHandlers } from './errors.js';
import databasePlugin from './plugins/database.js';
import healthRoutes from './routes/health.js';

export interface AppOptions {
  database: Database;
  migrations: readonly MigrationFile[];
  closeDatabaseOnShutdown?: boolean;
  logger?: FastifyServerOptions['loggerInstance'] | false;
}

/** Builds the HTTP app; `server.ts` listens, tests use `app.inject`. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: 1_048_576,
    requestIdHeader: 'x-request-id',
    trustProxy: false,
    return503OnClosing: true,
  }) as unknown as FastifyInstance;
  installProblemHandlers(app);
  // Infrastructure first, then routes.
  await app.register(databasePlugin, {
    database: options.database,
    migrations: options.migrations,
    closeOnShutdown: options.closeDatabaseOnShutdown ?? false,
  });
  await app.register(healthRoutes);
  return app;
}
