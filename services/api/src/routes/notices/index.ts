import type { FastifyPluginAsync } from 'fastify';
import { scope } from '../../plugins/auth.js';
import bulkNotice from './bulk.js';
import officeNotice from './office-notice.js';
import noticeRead from './read.js';
import noticeReplacement from './replace.js';
import stale from './stale.js';

export { urgentField } from './schemas.js';

/** The notices: managers write (one office, many, corrections, cancellations) and see stale closures; anyone reads a notice. */
const notices: FastifyPluginAsync = async (app) => {
  // Registered in the order the OpenAPI document lists them.
  await app.register(
    scope('manager', async (manager) => {
      await manager.register(officeNotice);
      await manager.register(bulkNotice);
    }),
  );
  await app.register(noticeRead);
  await app.register(
    scope('manager', async (manager) => {
      await manager.register(noticeReplacement);
      await manager.register(stale);
    }),
  );
};

export default notices;
