import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { fail } from '@jcp/use-cases';
import { problemSchema } from '../../schemas.js';
import { officeIdSchema, officeSchema, renderOffice } from '../../views.js';
import { OFFICE_ID_IN_PATH, conditionalHeaders, notModified, sendRepresentation } from './http.js';

/** GET /offices/{officeId}: the lookup, answered from the representation cache when it can be. */
const officeLookup: FastifyPluginAsyncZod = async (app) => {
  // The hot path: a cached office is answered before routing (cached-reads.ts), unless the
  // request needs this route (a conditional request, a token, a rate-limit refusal...).
  app.cachedReads.serve({
    route: '/offices/:officeId',
    path: '/offices/',
    key: (rest) => (OFFICE_ID_IN_PATH.test(rest) ? `office:${rest}` : undefined),
  });
  app.get(
    '/offices/:officeId',
    {
      schema: {
        summary: 'One office and its current status',
        description:
          'The ETag is what a manager sends as If-Match when changing this office, so that a change made meanwhile by somebody else is refused (412) instead of overwritten.',
        tags: ['offices'],
        params: z.object({ officeId: officeIdSchema }),
        headers: conditionalHeaders,
        response: { 200: officeSchema, 304: notModified, 400: problemSchema, 404: problemSchema, 503: problemSchema },
      },
    },
    async (request, reply) => {
      const { officeId } = request.params;
      // Never compressed: its ETag is what a writer's If-Match names.
      const representation = await app.representations.getOrRender(`office:${officeId}`, async () => {
        const rendered = await renderOffice(app.officeView, officeId, new Date());
        return rendered && { ...rendered, identityOnly: true };
      });
      if (!representation) throw fail('OFFICE_NOT_FOUND', `No office ${officeId}`);
      return sendRepresentation(request, reply, representation);
    },
  );
};

export default officeLookup;
