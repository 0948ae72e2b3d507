// A page of posts as X's v2 reads answer it: paging by since_id, until_id and a token, the
// tweet.fields asked for, and the authors when expanded.
import type { FastifyReply } from 'fastify';
import { invalid } from './answers.js';
import { cmpId, isId } from './ids.js';
import type { Tweet } from './model.js';
import type { EmulatorStore } from './store.js';

// X answers reads with `&`, `<` and `>` in a post's text HTML-escaped (and nothing else).
const escapeText = (s: string) => s.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));

const view = (store: EmulatorStore, t: Tweet, fields: Set<string>) => ({
  id: t.id,
  text: escapeText(t.text),
  edit_history_tweet_ids: [t.id],
  ...(fields.has('author_id') ? { author_id: t.authorId } : {}),
  ...(fields.has('created_at') ? { created_at: t.createdAt } : {}),
  ...(fields.has('conversation_id') ? { conversation_id: t.conversationId } : {}),
  ...(fields.has('in_reply_to_user_id') && t.inReplyToUserId ? { in_reply_to_user_id: t.inReplyToUserId } : {}),
  ...(fields.has('referenced_tweets') && (t.inReplyToTweetId || t.referenced)
    ? {
        referenced_tweets: [
          ...(t.inReplyToTweetId ? [{ type: 'replied_to', id: t.inReplyToTweetId }] : []),
          ...(t.referenced ? [t.referenced] : []),
        ],
      }
    : {}),
  ...(fields.has('entities') && t.mentions.length > 0 ? { entities: { mentions: mentionEntities(store, t) } } : {}),
  ...(fields.has('reply_settings') ? { reply_settings: t.replySettings ?? 'everyone' } : {}),
});
/** X's mention entities: where each @handle is in the text (a mention not in the text, as X adds for a reply, first). */
function mentionEntities(store: EmulatorStore, t: Tweet) {
  const lower = t.text.toLowerCase();
  return t.mentions
    .map((username) => {
      const start = lower.search(new RegExp(`(?:^|[^\\w@])@${username}(?!\\w)`));
      const at = start < 0 ? 0 : lower.indexOf(`@${username}`, start);
      const user = store.findAccount(username);
      return {
        start: at,
        end: at + username.length + 1,
        username: user?.username ?? username,
        ...(user ? { id: user.id } : {}),
      };
    })
    .sort((a, b) => a.start - b.start);
}

export type ListQuery = {
  since_id?: string;
  until_id?: string;
  max_results?: string;
  pagination_token?: string;
  next_token?: string;
  expansions?: string;
  'tweet.fields'?: string;
};
/**
 * A page of the posts `select` picks, newest first: at most `reachable` of the newest are
 * reachable at all. Walks back from the newest post (ids only grow), so a page costs
 * what it reads rather than the whole history.
 */
export function list(
  store: EmulatorStore,
  reply: FastifyReply,
  q: ListQuery,
  select: (t: Tweet) => boolean,
  min: number,
  max: number,
  reachable = Infinity,
) {
  const maxResults = q.max_results === undefined ? 10 : Number(q.max_results);
  if (!Number.isInteger(maxResults) || maxResults < min || maxResults > max) {
    return reply
      .code(400)
      .send(invalid(`The \`max_results\` query parameter value [${q.max_results}] is not between ${min} and ${max}`));
  }
  for (const name of ['since_id', 'until_id'] as const) {
    if (q[name] !== undefined && !isId(q[name]))
      return reply.code(400).send(invalid(`The \`${name}\` query parameter value [${String(q[name])}] is not valid`));
  }
  const token = q.pagination_token ?? q.next_token;
  if (token !== undefined && !/^p\d+$/.test(token))
    return reply.code(400).send(invalid(`The \`pagination_token\` query parameter value [${token}] is not valid`));
  const before = token?.slice(1);
  const all: Tweet[] = [];
  let seen = 0;
  // Tweets are held in id order. Without a cap on how far back a list reaches, a page
  // starts at its upper bound (found by bisection) rather than stepping over every newer tweet.
  let start = store.tweets.length - 1;
  if (reachable === Infinity) {
    const bound = [q.until_id, before].filter((b): b is string => b !== undefined).sort(cmpId)[0];
    if (bound !== undefined) {
      let lo = 0;
      let hi = store.tweets.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cmpId(store.tweets[mid]!.id, bound) < 0) lo = mid + 1;
        else hi = mid;
      }
      start = lo - 1;
    }
  }
  for (let i = start; i >= 0 && all.length <= maxResults; i--) {
    const t = store.tweets[i]!;
    if (q.since_id && cmpId(t.id, q.since_id) <= 0) break;
    if (!select(t)) continue;
    if (++seen > reachable) break;
    if ((q.until_id && cmpId(t.id, q.until_id) >= 0) || (before && cmpId(t.id, before) >= 0)) continue;
    all.push(t);
  }
  const page = all.slice(0, maxResults);
  if (page.length === 0) return { meta: { result_count: 0 } };
  const fields = new Set((q['tweet.fields'] ?? '').split(',').filter(Boolean));
  const expansions = new Set((q.expansions ?? '').split(',').filter(Boolean));
  const users = new Map(
    page.map((t) => [t.authorId, { id: t.authorId, username: t.authorUsername, name: t.authorName }]),
  );
  return {
    data: page.map((t) => view(store, t, fields)),
    ...(expansions.has('author_id') ? { includes: { users: [...users.values()] } } : {}),
    meta: {
      result_count: page.length,
      newest_id: page[0]!.id,
      oldest_id: page[page.length - 1]!.id,
      ...(all.length > page.length ? { next_token: `p${page[page.length - 1]!.id}` } : {}),
    },
  };
}
