/** A mention as read from X (search, the mentions timeline or the Activity API webhook). */
export interface IncomingMention {
  id: string;
  /** The account it is addressed to (the first of ours it mentions). */
  accountId: string;
  /**
   * As X sent it: held in memory only. It is cut to MENTION_TEXT_MAX, classified, and
   * redacted here; only the redacted text is stored, and no text is logged.
   */
  text: string;
  authorId: string;
  /** Only a valid X username (isXUsername) is kept: any other is stored and used as null. */
  authorUsername: string | null;
  /**
   * X gave a username that is not a valid X username (toMentionPosts drops it): no reply
   * is made, and the mention goes to the inbox (reason 'invalid-username').
   */
  authorUsernameInvalid?: boolean;
  /** When it was posted (toMentionPosts: never later than the time in its id). */
  postedAt: Date;
  inReplyToXId: string | null;
  conversationId: string | null;
  /** A retweet or a quote post. */
  isRepost: boolean;
}
