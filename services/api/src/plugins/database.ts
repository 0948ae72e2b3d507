import type { Database, DB, MigrationFile } from '@jcp/db';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';

declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<DB>;
    database: Database;
    migrations: readonly MigrationFile[];
  }
}

export interface DatabasePluginOptions {
  database: Database;
  migrations: readonly MigrationFile[];
  /** Close the database when the app closes (the server owns it; tests may not). */
  closeOnShutdown?: boolean;
}

export default fp<DatabasePluginOptions>(
  async (app, options) => {
    app.decorate('database', options.database);
    app.decorate('db', options.database.db);
    app.decorate('migrations', options.migrations);
    if (options.closeOnShutdown) app.addHook('onClose', async () => options.database.close());
  },
  { name: 'database' },
);
