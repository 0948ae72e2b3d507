import type { FastifyPluginAsync } from 'fastify';
import { scope } from '../../plugins/auth.js';
import eventEnd from './end.js';
import eventOffices from './offices.js';
import eventReads from './read.js';
import eventStart from './start.js';

/** Disruption events: managers start, extend and end them; anyone reads them. */
const events: FastifyPluginAsync = async (app) => {
  // Registered in the order the OpenAPI document lists them.
  await app.register(scope('manager', eventStart));
  await app.register(eventReads);
  await app.register(
    scope('manager', async (manager) => {
      await manager.register(eventOffices);
      await manager.register(eventEnd);
    }),
  );
};

export default events;
