import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { problemSchema } from '../../schemas.js';
import { renderStatusDocument, statusDocumentSchema } from '../../views.js';
import { conditionalHeaders, notModified, sendRepresentation } from './http.js';

/** GET /statuses: every office's status in one document. */
const statuses: FastifyPluginAsyncZod = async (app) => {
  // Answered before routing while cached, as the office lookup is (cached-reads.ts).
  app.cachedReads.serve({
    route: '/statuses',
    path: '/statuses',
    key: (rest) => (rest === '' ? 'statuses' : undefined),
  });
  app.get(
    '/statuses',
    {
      schema: {
        summary: 'The status of every office in one compact document (for caches, phone lines, status pages)',
        description:
          'Carries the change-feed cursor it reflects: to stay in sync, take this document once, then follow GET /changes from its cursor.',
        tags: ['offices'],
        headers: conditionalHeaders,
        response: { 200: statusDocumentSchema, 304: notModified, 503: problemSchema },
      },
    },
    async (request, reply) => {
      const representation = await app.representations.getOrRender('statuses', () =>
        renderStatusDocument(app.officeView, new Date()),
      );
      if (!representation) throw new Error('the status document always renders');
      return sendRepresentation(request, reply, representation);
    },
  );
};

export default statuses;
