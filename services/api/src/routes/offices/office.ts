import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { fail } from '@jcp/use-cases';
import { problemSchema } from '../../schemas.js';
import { officeIdSchema, officeSchema, renderOffice } from '../../views.js';
import { answerFromCache, conditionalHeaders, notModified, sendRepresentation } from './http.js';

/** GET /offices/{officeId}: the lookup, answered from the representation cache when it can be. */
const officeLookup: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/offices/:officeId',
    {
      // The hot path: a lookup the cache holds is answered here, before validation and
      // the handler (the rate limit, declared earlier, has run). Only when reads are
      // public: with READ_ACCESS=token the token check must come first.
      onRequest: (request, reply, done) => {
        const cached = app.readsArePublic
          ? app.representations.get(`office:${(request.params as { officeId?: string }).officeId ?? ''}`)
          : undefined;
        if (cached) answerFromCache(request, reply, cached);
        else done();
      },
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
      const representation = await app.representations.getOrRender(`office:${officeId}`, () =>
        renderOffice(app.db, officeId, new Date()),
      );
      if (!representation) throw fail('OFFICE_NOT_FOUND', `No office ${officeId}`);
      return sendRepresentation(request, reply, representation);
    },
  );
};

export default officeLookup;
