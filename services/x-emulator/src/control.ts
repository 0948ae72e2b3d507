// The control API (/_control, no authentication: for this machine only): accounts and their
// tokens, injected mentions, posts, deletions, reply settings, faults, rate limits and reset.
import type { FastifyInstance } from 'fastify';
import { isId } from './ids.js';
import { REPLY_SETTINGS, type Account, type Fault, type FaultKind, type ReplySettings } from './model.js';
import { defaultRateLimits, type RateRule } from './rate-limits.js';
import { textKey, type EmulatorStore } from './store.js';

export function registerControl(app: FastifyInstance, store: EmulatorStore): void {
  app.get('/_control/health', async () => ({
    status: 'ok',
    accounts: store.accounts.size,
    posts: store.tweets.length,
    faults: store.faults.length,
  }));

  app.post<{ Body: Partial<Account> }>('/_control/accounts', async (request, reply) => {
    const b = request.body ?? {};
    const str = (v: unknown) => typeof v === 'string' && v.length > 0;
    if (
      !str(b.id) ||
      !str(b.username) ||
      !str(b.accessToken) ||
      !str(b.accessTokenSecret) ||
      (b.name !== undefined && typeof b.name !== 'string') ||
      (b.consumerKey !== undefined && !str(b.consumerKey))
    ) {
      return reply.code(400).send({ error: 'id, username, accessToken and accessTokenSecret are required strings' });
    }
    const old = store.accounts.get(b.id!);
    if (old) store.byToken.delete(old.accessToken);
    const account: Account = {
      id: b.id!,
      username: b.username!,
      name: b.name ?? b.username!,
      accessToken: b.accessToken!,
      accessTokenSecret: b.accessTokenSecret!,
      ...(b.consumerKey ? { consumerKey: b.consumerKey } : {}),
    };
    store.accounts.set(account.id, account);
    store.byToken.set(account.accessToken, account);
    return reply.code(201).send({ id: account.id, username: account.username, name: account.name });
  });

  app.get<{ Querystring: { account?: string } }>('/_control/posts', async (request, reply) => {
    const ref = request.query.account;
    const account = store.findAccount(ref);
    if (ref !== undefined && !account) return reply.code(404).send({ error: `unknown account ${ref}` });
    const posts = store.tweets
      .filter((t) => t.source === 'api' && (!account || t.authorId === account.id))
      .map((t) => ({
        id: t.id,
        text: t.text,
        authorId: t.authorId,
        username: t.authorUsername,
        createdAt: t.createdAt,
        inReplyToTweetId: t.inReplyToTweetId ?? null,
        conversationId: t.conversationId,
      }));
    return { posts };
  });

  type MentionBody = {
    to?: string;
    from?: { id?: string; username?: string; name?: string };
    text?: string;
    created_at?: string;
    in_reply_to_tweet_id?: string;
    retweet_of?: string;
    quote_of?: string;
    reply_settings?: string;
  };
  const isReplySettings = (v: unknown): v is ReplySettings =>
    typeof v === 'string' && (REPLY_SETTINGS as readonly string[]).includes(v);
  app.post<{ Body: MentionBody }>('/_control/mentions', async (request, reply) => {
    const b = request.body ?? {};
    const to = store.findAccount(b.to);
    if (!to) return reply.code(404).send({ error: `unknown account ${String(b.to)}` });
    if (!b.from || !isId(b.from.id) || typeof b.from.username !== 'string' || typeof b.text !== 'string') {
      return reply.code(400).send({ error: 'from {id (numeric string), username} and text are required' });
    }
    if (b.created_at !== undefined && Number.isNaN(Date.parse(b.created_at)))
      return reply.code(400).send({ error: 'created_at must be an ISO date' });
    if (b.reply_settings !== undefined && !isReplySettings(b.reply_settings))
      return reply.code(400).send({ error: `reply_settings must be one of ${REPLY_SETTINGS.join(', ')}` });
    for (const ref of [b.in_reply_to_tweet_id, b.retweet_of, b.quote_of]) {
      if (ref !== undefined && !store.byId.has(ref)) return reply.code(400).send({ error: `no post ${String(ref)}` });
    }
    const referenced = b.retweet_of
      ? { type: 'retweeted' as const, id: b.retweet_of }
      : b.quote_of
        ? { type: 'quoted' as const, id: b.quote_of }
        : undefined;
    const tweet = store.addTweet({
      text: b.text,
      authorId: b.from.id,
      authorUsername: b.from.username,
      authorName: b.from.name ?? b.from.username,
      source: 'control',
      mentions: [to.username.toLowerCase()],
      ...(b.created_at ? { createdAt: new Date(b.created_at).toISOString() } : {}),
      ...(b.in_reply_to_tweet_id ? { inReplyToTweetId: b.in_reply_to_tweet_id } : {}),
      ...(referenced ? { referenced } : {}),
      ...(b.reply_settings ? { replySettings: b.reply_settings } : {}),
    });
    return reply.code(201).send({
      data: {
        id: tweet.id,
        text: tweet.text,
        author_id: tweet.authorId,
        created_at: tweet.createdAt,
        edit_history_tweet_ids: [tweet.id],
      },
    });
  });

  // A post deleted by its author (a citizen's question, or an account's own post): gone from
  // every read; a reply to it is refused as X refuses one; its text may be posted again.
  app.delete<{ Params: { id: string } }>('/_control/posts/:id', async (request, reply) => {
    const tweet = store.byId.get(request.params.id);
    if (!tweet) return reply.code(404).send({ error: `no post ${request.params.id}` });
    store.tweets.splice(store.tweets.indexOf(tweet), 1);
    store.byId.delete(tweet.id);
    store.deleted.set(tweet.id, tweet);
    if (
      tweet.source === 'api' &&
      !store.tweets.some(
        (t) => t.source === 'api' && t.authorId === tweet.authorId && t.text.trim() === tweet.text.trim(),
      )
    )
      store.texts.delete(textKey(tweet.authorId, tweet.text));
    return { data: { deleted: true } };
  });

  // Who may reply in a conversation, as its author can change it on X after posting: `id` is
  // any post of the conversation; the setting is its first post's.
  app.put<{ Params: { id: string }; Body: { reply_settings?: unknown } }>(
    '/_control/conversations/:id/reply_settings',
    async (request, reply) => {
      const post = store.byId.get(request.params.id);
      if (!post) return reply.code(404).send({ error: `no post ${request.params.id}` });
      const settings = request.body?.reply_settings;
      if (!isReplySettings(settings))
        return reply.code(400).send({ error: `reply_settings must be one of ${REPLY_SETTINGS.join(', ')}` });
      const root = store.conversationRoot(post);
      root.replySettings = settings;
      return { conversationId: root.id, reply_settings: settings };
    },
  );

  app.post<{ Body: Partial<Fault> & { count?: number } }>('/_control/faults', async (request, reply) => {
    const b = request.body ?? {};
    const kinds: FaultKind[] = ['status', 'delay', 'drop', 'lostAnswer', 'drip'];
    if (!b.kind || !kinds.includes(b.kind))
      return reply.code(400).send({ error: `kind must be one of ${kinds.join(', ')}` });
    const count = b.count ?? 1;
    if (!Number.isInteger(count) || count < 1)
      return reply.code(400).send({ error: 'count must be a positive integer' });
    if (b.status !== undefined && (!Number.isInteger(b.status) || b.status < 400 || b.status > 599))
      return reply.code(400).send({ error: 'status must be 400-599' });
    if (b.skip !== undefined && (!Number.isInteger(b.skip) || b.skip < 0))
      return reply.code(400).send({ error: 'skip must be a non-negative integer' });
    const fault: Fault = {
      kind: b.kind,
      remaining: count,
      ...(b.method ? { method: b.method } : {}),
      ...(b.path ? { path: b.path } : {}),
      ...(b.account ? { account: b.account } : {}),
      ...(b.skip ? { skip: b.skip } : {}),
      ...(b.status !== undefined ? { status: b.status } : {}),
      ...(b.body !== undefined ? { body: b.body } : {}),
      ...(b.delayMs !== undefined ? { delayMs: b.delayMs } : {}),
    };
    store.faults.push(fault);
    return reply.code(201).send({ queued: store.faults.length });
  });
  app.get('/_control/faults', async () => ({ faults: store.faults }));
  app.delete('/_control/faults', async () => {
    store.faults = [];
    return { faults: store.faults };
  });

  app.get('/_control/rate-limits', async () => ({ limits: store.limits }));
  app.put<{ Body: Record<string, RateRule[] | null> }>('/_control/rate-limits', async (request, reply) => {
    const b = request.body ?? {};
    for (const [key, rules] of Object.entries(b)) {
      if (!(key in defaultRateLimits)) return reply.code(400).send({ error: `unknown endpoint ${key}` });
      if (
        rules !== null &&
        (!Array.isArray(rules) ||
          !rules.every(
            (r) =>
              (r.scope === 'user' || r.scope === 'app') &&
              Number.isInteger(r.limit) &&
              r.limit >= 0 &&
              Number.isInteger(r.windowMs) &&
              r.windowMs > 0,
          ))
      ) {
        return reply.code(400).send({ error: `rules for ${key} must be null or [{scope, limit, windowMs}]` });
      }
    }
    store.limits = { ...store.limits, ...b };
    store.counters = new Map();
    return { limits: store.limits };
  });

  app.post('/_control/reset', async () => {
    store.reset();
    return { status: 'reset' };
  });
}
