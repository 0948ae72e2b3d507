// An in-memory emulator of the parts of the X API v2 the fan-out uses, with OAuth 1.0a
// verification, rate limits, duplicate detection and faults on demand.
import { Readable } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { hmacSha1Signature, parseOAuthHeader, safeEqual, signatureBaseString } from './oauth1.js';
import { DAY, defaultRateLimits, type EndpointKey, type RateRule } from './rate-limits.js';
import {
  REPLY_SETTINGS,
  type EmulatorOptions,
  type Account,
  type Tweet,
  type ReplySettings,
  type Fault,
  type FaultKind,
} from './model.js';
import {
  unauthorized,
  duplicate,
  replyToInvisible,
  replyRestricted,
  rateLimited,
  invalid,
  faultBody,
} from './answers.js';
import { TWITTER_EPOCH, cmpId, isId } from './ids.js';

export { defaultRateLimits, REPLY_SETTINGS };
export type { EmulatorOptions, EndpointKey, RateRule, Account, Tweet, ReplySettings, Fault, FaultKind };

// X answers reads with `&`, `<` and `>` in a post's text HTML-escaped (and nothing else).
const escapeText = (s: string) => s.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));

declare module 'fastify' {
  interface FastifyRequest {
    xAccount?: Account;
    xLostAnswer?: boolean;
    xDripMs?: number;
  }
}

export function buildEmulator(options: EmulatorOptions): FastifyInstance {
  const now = options.now ?? (() => Date.now());
  const app = Fastify({ logger: options.logger ?? false });

  const accounts = new Map<string, Account>();
  const byToken = new Map<string, Account>();
  // In id order (ids only grow), with indexes so that a long run (benchmarks) stays fast.
  let tweets: Tweet[] = [];
  let byId = new Map<string, Tweet>();
  // Deleted posts: gone from every read, but their conversations keep their reply settings.
  let deleted = new Map<string, Tweet>();
  let texts = new Set<string>();
  const textKey = (authorId: string, text: string) => `${authorId}\u0000${text.trim()}`;
  let noncesPrunedAt = 0;
  const nonces = new Map<string, number>();
  let counters = new Map<string, { count: number; resetAt: number }>();
  let faults: Fault[] = [];
  let limits: Record<string, RateRule[] | null> = { ...defaultRateLimits, ...options.rateLimits };
  let lastId = 0n;

  const nextId = (): string => {
    const candidate = (BigInt(now()) - TWITTER_EPOCH) << 22n;
    lastId = candidate > lastId ? candidate : lastId + 1n;
    return lastId.toString();
  };
  const findAccount = (ref: string | undefined) =>
    ref === undefined
      ? undefined
      : (accounts.get(ref) ??
        [...accounts.values()].find((a) => a.username.toLowerCase() === ref.replace(/^@/, '').toLowerCase()));
  const mentionsIn = (text: string) =>
    [...text.matchAll(/(?:^|[^\w@])@(\w{1,15})(?!\w)/g)].map((m) => m[1]!.toLowerCase());

  function addTweet(
    t: Omit<Tweet, 'id' | 'createdAt' | 'conversationId' | 'mentions'> & { createdAt?: string; mentions?: string[] },
  ): Tweet {
    const id = nextId();
    const parent = t.inReplyToTweetId ? byId.get(t.inReplyToTweetId) : undefined;
    const tweet: Tweet = {
      ...t,
      id,
      createdAt: t.createdAt ?? new Date(now()).toISOString(),
      conversationId: parent?.conversationId ?? id,
      inReplyToUserId: parent?.authorId,
      mentions: [...new Set([...(t.mentions ?? []), ...mentionsIn(t.text)])],
    };
    if (tweet.inReplyToUserId === undefined) delete tweet.inReplyToUserId;
    if (tweet.inReplyToTweetId === undefined) delete tweet.inReplyToTweetId;
    tweets.push(tweet);
    byId.set(tweet.id, tweet);
    if (tweet.source === 'api') texts.add(textKey(tweet.authorId, tweet.text));
    return tweet;
  }

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  // --- OAuth 1.0a ---------------------------------------------------------------------------
  function authenticate(request: FastifyRequest): Account | undefined {
    const oauth = parseOAuthHeader(request.headers.authorization);
    if (!oauth) return undefined;
    const signature = oauth.get('oauth_signature');
    const token = oauth.get('oauth_token');
    const consumerKey = oauth.get('oauth_consumer_key');
    const nonce = oauth.get('oauth_nonce');
    const timestamp = Number(oauth.get('oauth_timestamp'));
    if (
      !signature ||
      !token ||
      !nonce ||
      consumerKey !== options.consumerKey ||
      oauth.get('oauth_signature_method') !== 'HMAC-SHA1'
    )
      return undefined;
    const account = byToken.get(token);
    if (!account || (account.consumerKey !== undefined && account.consumerKey !== consumerKey)) return undefined;
    if (!Number.isFinite(timestamp) || Math.abs(now() / 1000 - timestamp) > 300) return undefined;
    const [path, query = ''] = request.url.split('?', 2) as [string, string?];
    const params: [string, string][] = [...oauth].filter(([k]) => k !== 'oauth_signature' && k !== 'realm');
    params.push(...new URLSearchParams(query));
    if (
      request.headers['content-type']?.startsWith('application/x-www-form-urlencoded') &&
      request.body &&
      typeof request.body === 'object'
    ) {
      for (const [k, v] of Object.entries(request.body as Record<string, string>)) params.push([k, v]);
    }
    const host = (request.headers.host ?? '').toLowerCase().replace(/:80$/, '');
    const base = signatureBaseString(request.method, `${request.protocol}://${host}${path}`, params);
    if (!safeEqual(hmacSha1Signature(base, options.consumerSecret, account.accessTokenSecret), signature))
      return undefined;
    const t = now();
    if (t - noncesPrunedAt > 1_000) {
      noncesPrunedAt = t;
      for (const [k, exp] of nonces) if (exp <= t) nonces.delete(k);
    }
    const nonceKey = `${token}\u0000${nonce}`;
    if (nonces.has(nonceKey)) return undefined;
    nonces.set(nonceKey, t + 10 * 60_000);
    return account;
  }

  // --- rate limits -----------------------------------------------------------------------
  function applyRateLimit(key: string, account: Account, reply: FastifyReply): boolean {
    const rules = limits[key];
    if (!rules?.length) return true;
    const t = now();
    const states = rules.map((rule) => {
      const k = `${key}|${rule.scope}|${rule.windowMs}|${rule.scope === 'user' ? account.id : ''}`;
      let c = counters.get(k);
      if (!c || c.resetAt <= t) {
        c = { count: 0, resetAt: t + rule.windowMs };
        counters.set(k, c);
      }
      return { rule, c };
    });
    const ok = states.every(({ rule, c }) => c.count < rule.limit);
    if (ok) for (const s of states) s.c.count += 1;
    let short: { limit: number; remaining: number; reset: number } | undefined;
    for (const { rule, c } of states) {
      const h = { limit: rule.limit, remaining: Math.max(0, rule.limit - c.count), reset: Math.ceil(c.resetAt / 1000) };
      if (rule.windowMs >= DAY) {
        const prefix = rule.scope === 'app' ? 'x-app-limit-24hour' : 'x-user-limit-24hour';
        reply
          .header(`${prefix}-limit`, h.limit)
          .header(`${prefix}-remaining`, h.remaining)
          .header(`${prefix}-reset`, h.reset);
      } else if (!short || h.remaining < short.remaining) short = h;
    }
    if (short)
      reply
        .header('x-rate-limit-limit', short.limit)
        .header('x-rate-limit-remaining', short.remaining)
        .header('x-rate-limit-reset', short.reset);
    return ok;
  }

  // --- /2 routes: auth, faults, rate limits --------------------------------------------------
  app.addHook('preHandler', async (request, reply) => {
    if (!request.url.startsWith('/2/')) return;
    const account = authenticate(request);
    if (!account) return reply.code(401).send(unauthorized);
    request.xAccount = account;
    const route = request.routeOptions.url ?? '';
    const path = request.url.split('?')[0];
    const idx = faults.findIndex(
      (f) =>
        (f.kind !== 'lostAnswer' || (request.method === 'POST' && route === '/2/tweets')) &&
        (!f.method || f.method.toUpperCase() === request.method) &&
        (!f.path || f.path === route || f.path === path) &&
        (!f.account || findAccount(f.account)?.id === account.id),
    );
    const pending = idx >= 0 ? faults[idx]! : undefined;
    if (pending?.skip) pending.skip -= 1;
    else if (pending) {
      const fault = pending;
      fault.remaining -= 1;
      if (fault.remaining <= 0) faults.splice(idx, 1);
      if (fault.kind === 'delay') await new Promise((r) => setTimeout(r, fault.delayMs ?? 1000));
      if (fault.kind === 'status') {
        const status = fault.status ?? 503;
        return reply.code(status).send(fault.body ?? faultBody(status));
      }
      if (fault.kind === 'drop') {
        reply.hijack();
        request.raw.socket.destroy();
        return reply;
      }
      if (fault.kind === 'lostAnswer') request.xLostAnswer = true;
      if (fault.kind === 'drip') request.xDripMs = fault.delayMs ?? 1000;
    }
    if (!applyRateLimit(`${request.method} ${route}`, account, reply)) return reply.code(429).send(rateLimited);
  });

  // A dripping answer: the request is handled as usual (a post is stored), then the status and
  // headers go at once and the body a byte at a time over `delayMs`, so that the connection
  // is never idle for long while the answer takes as long as the fault says.
  app.addHook('onSend', async (request, _reply, payload) => {
    if (request.xDripMs === undefined || (typeof payload !== 'string' && !Buffer.isBuffer(payload))) return payload;
    const bytes = Buffer.from(payload);
    const step = request.xDripMs / Math.max(1, bytes.length);
    return Readable.from(
      (async function* drip() {
        for (const byte of bytes) {
          await new Promise((resolve) => setTimeout(resolve, step));
          yield Buffer.from([byte]);
        }
      })(),
    );
  });

  const view = (t: Tweet, fields: Set<string>) => ({
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
    ...(fields.has('entities') && t.mentions.length > 0 ? { entities: { mentions: mentionEntities(t) } } : {}),
    ...(fields.has('reply_settings') ? { reply_settings: t.replySettings ?? 'everyone' } : {}),
  });
  /** X's mention entities: where each @handle is in the text (a mention not in the text, as X adds for a reply, first). */
  function mentionEntities(t: Tweet) {
    const lower = t.text.toLowerCase();
    return t.mentions
      .map((username) => {
        const start = lower.search(new RegExp(`(?:^|[^\\w@])@${username}(?!\\w)`));
        const at = start < 0 ? 0 : lower.indexOf(`@${username}`, start);
        const user = findAccount(username);
        return {
          start: at,
          end: at + username.length + 1,
          username: user?.username ?? username,
          ...(user ? { id: user.id } : {}),
        };
      })
      .sort((a, b) => a.start - b.start);
  }

  type ListQuery = {
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
  function list(
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
    let start = tweets.length - 1;
    if (reachable === Infinity) {
      const bound = [q.until_id, before].filter((b): b is string => b !== undefined).sort(cmpId)[0];
      if (bound !== undefined) {
        let lo = 0;
        let hi = tweets.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (cmpId(tweets[mid]!.id, bound) < 0) lo = mid + 1;
          else hi = mid;
        }
        start = lo - 1;
      }
    }
    for (let i = start; i >= 0 && all.length <= maxResults; i--) {
      const t = tweets[i]!;
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
      data: page.map((t) => view(t, fields)),
      ...(expansions.has('author_id') ? { includes: { users: [...users.values()] } } : {}),
      meta: {
        result_count: page.length,
        newest_id: page[0]!.id,
        oldest_id: page[page.length - 1]!.id,
        ...(all.length > page.length ? { next_token: `p${page[page.length - 1]!.id}` } : {}),
      },
    };
  }

  /**
   * Whether `account` may reply in the conversation of `parent`: its starter's reply settings
   * allow everyone, or the account started it, is mentioned in its first post, or was engaged by
   * its author since (mentioned in, or replied to by, one of the author's posts in it).
   */
  function mayReply(account: Account, parent: Tweet): boolean {
    const root = byId.get(parent.conversationId) ?? deleted.get(parent.conversationId) ?? parent;
    const settings = root.replySettings ?? 'everyone';
    if (settings === 'everyone' || root.authorId === account.id) return true;
    const handle = account.username.toLowerCase();
    if (root.mentions.includes(handle)) return true;
    return tweets.some(
      (t) =>
        t.conversationId === root.id &&
        t.authorId === root.authorId &&
        (t.mentions.includes(handle) || t.inReplyToUserId === account.id),
    );
  }
  const problem = (reply: FastifyReply, body: { status: number }) =>
    reply.code(body.status).type('application/problem+json').send(body);

  app.post<{ Body: { text?: unknown; reply?: { in_reply_to_tweet_id?: unknown } } }>(
    '/2/tweets',
    async (request, reply) => {
      const account = request.xAccount!;
      const body = request.body ?? {};
      if (typeof body.text !== 'string' || body.text.trim() === '' || [...body.text].length > 280) {
        return reply.code(400).send(invalid('The `text` field must be a non-empty string of at most 280 characters'));
      }
      const replyTo = body.reply?.in_reply_to_tweet_id;
      if (replyTo !== undefined && !isId(replyTo)) {
        return reply
          .code(400)
          .send(invalid(`The \`in_reply_to_tweet_id\` [${JSON.stringify(replyTo)}] does not match ^[0-9]{1,19}$`));
      }
      if (replyTo !== undefined) {
        // As X: a post deleted, never made or not visible is one answer (X does not say which).
        const parent = byId.get(replyTo);
        if (!parent) return problem(reply, replyToInvisible);
        if (!mayReply(account, parent)) return problem(reply, replyRestricted);
      }
      const text = body.text.normalize('NFC');
      if (texts.has(textKey(account.id, text))) return reply.code(403).send(duplicate);
      const tweet = addTweet({
        text,
        authorId: account.id,
        authorUsername: account.username,
        authorName: account.name,
        source: 'api',
        ...(replyTo ? { inReplyToTweetId: replyTo } : {}),
      });
      if (request.xLostAnswer) {
        reply.hijack();
        request.raw.socket.destroy();
        return reply;
      }
      return reply.code(201).send({ data: { id: tweet.id, text: tweet.text, edit_history_tweet_ids: [tweet.id] } });
    },
  );

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
    const target = accounts.get(id);
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
    return list(reply, q, (t) => select(t, target), 5, 100, reachable);
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
    const since = now() - 7 * DAY;
    const noRetweets = /(^|\s)-is:retweet(\s|$)/.test(query);
    const matching = (t: Tweet) =>
      t.mentions.some((m) => handles.has(m)) &&
      !(noRetweets && t.referenced?.type === 'retweeted') &&
      Date.parse(t.createdAt) >= since;
    return list(reply, request.query, matching, 10, 100);
  });

  // --- control API ----------------------------------------------------------------------------
  app.get('/_control/health', async () => ({
    status: 'ok',
    accounts: accounts.size,
    posts: tweets.length,
    faults: faults.length,
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
    const old = accounts.get(b.id!);
    if (old) byToken.delete(old.accessToken);
    const account: Account = {
      id: b.id!,
      username: b.username!,
      name: b.name ?? b.username!,
      accessToken: b.accessToken!,
      accessTokenSecret: b.accessTokenSecret!,
      ...(b.consumerKey ? { consumerKey: b.consumerKey } : {}),
    };
    accounts.set(account.id, account);
    byToken.set(account.accessToken, account);
    return reply.code(201).send({ id: account.id, username: account.username, name: account.name });
  });

  app.get<{ Querystring: { account?: string } }>('/_control/posts', async (request, reply) => {
    const ref = request.query.account;
    const account = findAccount(ref);
    if (ref !== undefined && !account) return reply.code(404).send({ error: `unknown account ${ref}` });
    const posts = tweets
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
    const to = findAccount(b.to);
    if (!to) return reply.code(404).send({ error: `unknown account ${String(b.to)}` });
    if (!b.from || !isId(b.from.id) || typeof b.from.username !== 'string' || typeof b.text !== 'string') {
      return reply.code(400).send({ error: 'from {id (numeric string), username} and text are required' });
    }
    if (b.created_at !== undefined && Number.isNaN(Date.parse(b.created_at)))
      return reply.code(400).send({ error: 'created_at must be an ISO date' });
    if (b.reply_settings !== undefined && !isReplySettings(b.reply_settings))
      return reply.code(400).send({ error: `reply_settings must be one of ${REPLY_SETTINGS.join(', ')}` });
    for (const ref of [b.in_reply_to_tweet_id, b.retweet_of, b.quote_of]) {
      if (ref !== undefined && !byId.has(ref)) return reply.code(400).send({ error: `no post ${String(ref)}` });
    }
    const referenced = b.retweet_of
      ? { type: 'retweeted' as const, id: b.retweet_of }
      : b.quote_of
        ? { type: 'quoted' as const, id: b.quote_of }
        : undefined;
    const tweet = addTweet({
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
    const tweet = byId.get(request.params.id);
    if (!tweet) return reply.code(404).send({ error: `no post ${request.params.id}` });
    tweets.splice(tweets.indexOf(tweet), 1);
    byId.delete(tweet.id);
    deleted.set(tweet.id, tweet);
    if (
      tweet.source === 'api' &&
      !tweets.some((t) => t.source === 'api' && t.authorId === tweet.authorId && t.text.trim() === tweet.text.trim())
    )
      texts.delete(textKey(tweet.authorId, tweet.text));
    return { data: { deleted: true } };
  });

  // Who may reply in a conversation, as its author can change it on X after posting: `id` is
  // any post of the conversation; the setting is its first post's.
  app.put<{ Params: { id: string }; Body: { reply_settings?: unknown } }>(
    '/_control/conversations/:id/reply_settings',
    async (request, reply) => {
      const post = byId.get(request.params.id);
      if (!post) return reply.code(404).send({ error: `no post ${request.params.id}` });
      const settings = request.body?.reply_settings;
      if (!isReplySettings(settings))
        return reply.code(400).send({ error: `reply_settings must be one of ${REPLY_SETTINGS.join(', ')}` });
      const root = byId.get(post.conversationId) ?? deleted.get(post.conversationId) ?? post;
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
    faults.push(fault);
    return reply.code(201).send({ queued: faults.length });
  });
  app.get('/_control/faults', async () => ({ faults }));
  app.delete('/_control/faults', async () => {
    faults = [];
    return { faults };
  });

  app.get('/_control/rate-limits', async () => ({ limits }));
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
    limits = { ...limits, ...b };
    counters = new Map();
    return { limits };
  });

  app.post('/_control/reset', async () => {
    accounts.clear();
    byToken.clear();
    nonces.clear();
    tweets = [];
    byId = new Map();
    deleted = new Map();
    texts = new Set();
    faults = [];
    counters = new Map();
    limits = { ...defaultRateLimits, ...options.rateLimits };
    return { status: 'reset' };
  });

  return app;
}
