// The /2 reads: the signed-in user, a user's mentions and posts, and the recent search.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { invalid } from './answers.js';
import type { Account, Tweet } from './model.js';
import { DAY } from './rate-limits.js';
import type { EmulatorStore } from './store.js';
import { list, type ListQuery } from './timeline.js';

export function registerReads(app: FastifyInstance, store: EmulatorStore): void {
  app.get('/2/users/me', async (request) => {
    const a = request.xAccount!;
    return { data: { id: a.id, name: a.name, username: a.username } };
  });

  /** A user's timeline: 404 for an unknown user, else the newest `reachable` posts that `select` picks, paged by `list`. */
  function userTimeline(
    reply: FastifyReply,
    id: string,
    q: ListQuery,
    select: (t: Tweet, user: Account) => boolean,
    reachable: number,
  ) {
    const target = store.accounts.get(id);
    if (!target)
      return reply.code(404).send({
        errors: [
          {
            value: id,
            detail: `Could not find user with id: [${id}].`,
            title: 'Not Found Error',
            type: 'https://api.twitter.com/2/problems/resource-not-found',
          },
        ],
      });
    return list(store, reply, q, (t) => select(t, target), 5, 100, reachable);
  }

  app.get<{ Params: { id: string }; Querystring: ListQuery }>('/2/users/:id/mentions', async (request, reply) =>
    userTimeline(
      reply,
      request.params.id,
      request.query,
      (t, user) => t.mentions.includes(user.username.toLowerCase()),
      800,
    ),
  );

  // The posts the user made through the API (injected mentions are never anyone's own posts).
  app.get<{ Params: { id: string }; Querystring: ListQuery }>('/2/users/:id/tweets', async (request, reply) =>
    userTimeline(
      reply,
      request.params.id,
      request.query,
      (t, user) => t.source === 'api' && t.authorId === user.id,
      3200,
    ),
  );

  app.get<{ Querystring: ListQuery & { query?: string } }>('/2/tweets/search/recent', async (request, reply) => {
    const query = request.query.query ?? '';
    if (query.length === 0 || query.length > 512)
      return reply.code(400).send(invalid('The `query` parameter must be 1 to 512 characters'));
    const terms = query
      .replace(/[()]/g, ' ')
      .split(/\s+OR\s+|\s+/)
      .filter((s) => s && s !== 'OR' && !s.startsWith('-'));
    if (!terms.every((s) => /^@\w{1,15}$/.test(s)))
      return reply.code(400).send(invalid(`The emulator only supports OR-ed @handle terms: [${query}]`));
    const handles = new Set(terms.map((s) => s.slice(1).toLowerCase()));
    const since = store.now() - 7 * DAY;
    const noRetweets = /(^|\s)-is:retweet(\s|$)/.test(query);
    const matching = (t: Tweet) =>
      t.mentions.some((m) => handles.has(m)) &&
      !(noRetweets && t.referenced?.type === 'retweeted') &&
      Date.parse(t.createdAt) >= since;
    return list(store, reply, request.query, matching, 10, 100);
  });
}
