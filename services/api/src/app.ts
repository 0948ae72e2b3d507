import type { Database, MigrationFile } from '@jcp/db';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { installProblemHandlers, sendProblem, toProblem } from './errors.js';
import databasePlugin from './plugins/database.js';
import healthRoutes from './routes/health.js';
import authPlugin from './plugins/auth.js';
import noticeRoutes from './routes/notices.js';
import officeRoutes from './routes/offices.js';

export const API_VERSION = '0.1.0';

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
    // Office ids are at most 128 characters; longer path parameters get a 414.
    routerOptions: { maxParamLength: 200 },
    // Errors the router raises before any route (bad URL encoding, too long a
    // parameter) get the same problem+json as every other error.
    frameworkErrors: (error, request, reply) => {
      void sendProblem(reply, toProblem(error, request));
    },
  }) as unknown as FastifyInstance;
  installProblemHandlers(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'jcp-status',
        version: API_VERSION,
        description: 'Open, closed or delayed: the status of every Jobcentre Plus office in Great Britain. Errors are application/problem+json (RFC 9457).',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      tags: [
        { name: 'offices', description: 'Offices and their current status' },
        { name: 'notices', description: 'Closures, delays and reopenings posted by area managers' },
      ],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token (pnpm create-token)' } } },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  // Infrastructure first, then routes.
  await app.register(databasePlugin, {
    database: options.database,
    migrations: options.migrations,
    closeOnShutdown: options.closeDatabaseOnShutdown ?? false,
  });
  await app.register(authPlugin);
  await app.register(healthRoutes);
  await app.register(officeRoutes);
  await app.register(noticeRoutes);
  return app;
}
