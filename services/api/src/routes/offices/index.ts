import type { FastifyPluginAsync } from 'fastify';
import changes from './changes.js';
import officeHistory from './history.js';
import officeList from './list.js';
import officeLookup from './office.js';
import statuses from './statuses.js';

/** The public status reads: the status document, offices, one office, its history, the change feed. */
const offices: FastifyPluginAsync = async (app) => {
  // Registered in the order the OpenAPI document lists them.
  await app.register(statuses);
  await app.register(officeList);
  await app.register(officeLookup);
  await app.register(officeHistory);
  await app.register(changes);
};

export default offices;
