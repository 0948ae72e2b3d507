// POST /2/tweets: a post or a reply, refused as X refuses it (bad text, a reply to a post that
// is gone or not open to the account, a duplicate of the author's own post).
import type { FastifyInstance, FastifyReply } from 'fastify';
import { duplicate, invalid, replyRestricted, replyToInvisible } from './answers.js';
import { isId } from './ids.js';
import type { Account, Tweet } from './model.js';
import { textKey, type EmulatorStore } from './store.js';

export function registerPosting(app: FastifyInstance, store: EmulatorStore): void {
  /**
   * Whether `account` may reply in the conversation of `parent`: its starter's reply settings
   * allow everyone, or the account started it, is mentioned in its first post, or was engaged by
   * its author since (mentioned in, or replied to by, one of the author's posts in it).
   */
  function mayReply(account: Account, parent: Tweet): boolean {
    const root = store.conversationRoot(parent);
    const settings = root.replySettings ?? 'everyone';
    if (settings === 'everyone' || root.authorId === account.id) return true;
    const handle = account.username.toLowerCase();
    if (root.mentions.includes(handle)) return true;
    return store.tweets.some(
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
        const parent = store.byId.get(replyTo);
        if (!parent) return problem(reply, replyToInvisible);
        if (!mayReply(account, parent)) return problem(reply, replyRestricted);
      }
      const text = body.text.normalize('NFC');
      if (store.texts.has(textKey(account.id, text))) return reply.code(403).send(duplicate);
      const tweet = store.addTweet({
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
}
