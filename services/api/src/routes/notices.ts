import { appendNotice, findOffice, NoticeRejected, statusesAt } from '@jcp/db';
import { CAUSES, CERTAINTIES, STATUSES } from '@jcp/domain';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { HttpProblem } from '../errors.js';
import { covers, requireRole } from '../plugins/auth.js';
import { problemSchema } from '../schemas.js';
import { statusSchema, toStatusResource } from './offices.js';

const noticeBody = z
  .object({
    status: z.enum(STATUSES),
    cause: z.enum(CAUSES).optional().describe('Required for closed and delayed'),
    message: z.string().trim().min(1).max(1000).optional(),
    from: z.iso.datetime({ offset: true }).optional().describe('When it takes effect; a future time schedules it. Default: now'),
    until: z.iso.datetime({ offset: true }).optional().describe('When it ends on its own. Default: until further notice'),
    expectedReopenAt: z.iso.datetime({ offset: true }).optional().describe('Closed: expected reopening. Delayed (required): when the office opens'),
    reopenCertainty: z.enum(CERTAINTIES).optional().describe('Default: expected when expectedReopenAt is given, else unknown'),
  })
  .strict()
  .meta({ id: 'NewNotice' });

const createdSchema = z
  .object({ noticeId: z.uuid(), officeId: z.string(), currentStatus: statusSchema })
  .meta({ id: 'NoticeCreated' });

const notices: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/offices/:officeId/notices',
    {
      preHandler: requireRole('manager'),
      schema: {
        summary: 'Set the status of one office (a manager of its district or cluster, or an admin)',
        tags: ['notices'],
        security: [{ bearer: [] }],
        params: z.object({ officeId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,127}$/) }),
        body: noticeBody,
        response: { 201: createdSchema, 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema, 422: problemSchema, 503: problemSchema },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (!principal) throw new HttpProblem(401, 'AUTHENTICATION_REQUIRED', 'A bearer token is required');
      const office = await findOffice(app.db, request.params.officeId);
      if (!office) throw new HttpProblem(404, 'OFFICE_NOT_FOUND', `No office ${request.params.officeId}`);
      if (!covers(principal, office)) throw new HttpProblem(403, 'OUT_OF_SCOPE', `Office ${office.id} is outside this token's districts and clusters`);
      const b = request.body;
      const now = new Date();
      const expectedReopenAt = b.expectedReopenAt ? new Date(b.expectedReopenAt) : null;
      try {
        const notice = await app.db.transaction().execute((trx) =>
          appendNotice(trx, {
            officeIds: [office.id],
            author: principal.actor,
            draft: {
              status: b.status,
              cause: b.cause ?? null,
              message: b.message ?? null,
              activeFrom: b.from ? new Date(b.from) : now,
              activeUntil: b.until ? new Date(b.until) : null,
              expectedReopenAt,
              reopenCertainty: b.reopenCertainty ?? (expectedReopenAt ? 'expected' : 'unknown'),
            },
          }, now),
        );
        const status = (await statusesAt(app.db, [office.id], new Date())).get(office.id);
        if (!status) throw new Error('status missing for a known office');
        return reply.code(201).header('location', `/offices/${office.id}`).send({ noticeId: notice.id, officeId: office.id, currentStatus: toStatusResource(status) });
      } catch (error) {
        if (error instanceof NoticeRejected) {
          throw new HttpProblem(422, 'NOTICE_REJECTED', error.message, { errors: error.problems.map((p) => ({ path: `/${p.field}`, message: p.reason })) });
        }
        throw error;
      }
    },
  );
};

export default notices;
