// What the fan-out made of status changes: an account's posts, an office's changes, one change.
import { readAccountPosts, readChangeFanout, readOfficeFanout, type AccountDeps } from '@jcp/use-cases';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { officeIdSchema } from '../../views.js';
import { viewerOf } from '../../visibility.js';
import { accountId, anyChangeFanout, next, postId, postSchema, publicPostSchema, reads } from './schemas.js';
import { toChangeFanoutResource, toPostList } from './views.js';

export function postRoutes(deps: AccountDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/accounts/:accountId/posts',
      {
        schema: {
          summary: "An account's posts (composed, delivered or failed), newest first",
          description: `Everybody sees the account's status posts (PublicFanoutPost). Its managers and admins also see its replies to citizens, and each post's lastError and deliveredBy (FanoutPost).`,
          tags: ['accounts'],
          params: z.object({ accountId }),
          querystring: z.object({
            state: z.enum(['queued', 'delivered', 'failed', 'superseded']).optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
            before: postId.optional().describe('Continue from a previous page: its `next`'),
          }),
          response: {
            200: z.union([
              z.object({ accountId, posts: z.array(postSchema), next }).meta({ id: 'AccountPosts' }),
              z.object({ accountId, posts: z.array(publicPostSchema), next }).meta({ id: 'PublicAccountPosts' }),
            ]),
            ...reads,
          },
        },
      },
      async (request, reply) => {
        const viewer = await viewerOf(request, reply);
        const { accountId: id } = request.params;
        const view = viewer.of(id);
        const page = await readAccountPosts(deps, id, { ...request.query, withReplies: view === 'privileged' });
        return { accountId: id, ...toPostList(page.posts, view), next: page.next };
      },
    );

    app.get(
      '/offices/:officeId/posts',
      {
        schema: {
          summary: "What the fan-out made of an office's recent status changes, newest first",
          tags: ['accounts'],
          params: z.object({ officeId: officeIdSchema }),
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
          description:
            "Each change is a ChangeFanout for its account's managers and admins, a PublicChangeFanout for everybody else.",
          response: {
            200: z.object({ officeId: officeIdSchema, changes: z.array(anyChangeFanout) }).meta({ id: 'OfficeFanout' }),
            ...reads,
          },
        },
      },
      async (request, reply) => {
        const viewer = await viewerOf(request, reply);
        const { officeId } = request.params;
        const changes = await readOfficeFanout(deps, officeId, request.query.limit);
        return { officeId, changes: changes.map((c) => toChangeFanoutResource(c, viewer)) };
      },
    );

    app.get(
      '/changes/:seq/posts',
      {
        schema: {
          summary: 'What the fan-out made of one status change: pending, composed into posts, unchanged, or none',
          tags: ['accounts'],
          description: "A ChangeFanout for its account's managers and admins, a PublicChangeFanout for everybody else.",
          params: z.object({
            seq: z
              .string()
              .regex(/^\d{1,18}$/, 'a change cursor')
              .describe("The change's cursor in GET /changes"),
          }),
          response: { 200: anyChangeFanout, ...reads },
        },
      },
      async (request, reply) => {
        const viewer = await viewerOf(request, reply);
        return toChangeFanoutResource(await readChangeFanout(deps, request.params.seq), viewer);
      },
    );
  };
}
