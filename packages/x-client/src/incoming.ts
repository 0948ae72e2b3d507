// X's posts (as toMentionPosts reads them) become our mentions: whom each is addressed to.
import type { IncomingMention } from '@jcp/domain';
import type { MentionPost } from './client.js';

/**
 * A post read from X (a search, the Activity API webhook), addressed to `accountId` when
 * given (the webhook's subscription says whom it is for), else to the first of our
 * accounts it mentions; null when it is for none of ours.
 */
export function toIncoming(
  post: MentionPost,
  byHandle: ReadonlyMap<string, string>,
  accountId?: string,
): IncomingMention | null {
  const to = accountId ?? post.mentions.map((m) => byHandle.get(m)).find((c) => c !== undefined);
  if (!to) return null;
  return {
    id: post.id,
    accountId: to,
    text: post.text,
    authorId: post.authorId,
    authorUsername: post.authorUsername,
    authorUsernameInvalid: post.authorUsernameInvalid,
    postedAt: post.createdAt,
    inReplyToXId: post.inReplyToId,
    conversationId: post.conversationId,
    isRepost: post.isRepost,
  };
}
