// Mentions as read, before any database work: the username checked against X's rule, each
// text cut, classified from what was written and redacted for storage. Pure and bounded.
import { setImmediate as giveWay } from 'node:timers/promises';
import {
  capMentionText,
  isXUsername,
  redactWithKinds,
  understandMention,
  type IncomingMention,
  type OfficeIndex,
  type RedactionKind,
  type Understanding,
} from '@jcp/domain';

/** The mention with its username kept only when it is a valid X username (else null, and flagged). */
export function checkedUsername(m: IncomingMention): IncomingMention {
  if (m.authorUsername === null || isXUsername(m.authorUsername)) return m;
  return { ...m, authorUsername: null, authorUsernameInvalid: true };
}

/** Twitter-style ids are 64-bit: compared as numbers, not strings. */
const idLess = (a: string, b: string) => BigInt(a) < BigInt(b);

/**
 * Each mention once (by id), its username checked, oldest first (the throttle counts in the
 * order people wrote). A username is checked again here (the composer checks it a third
 * time): whoever calls, one that breaks X's rule is neither stored nor answered.
 */
export function distinctOldestFirst(incoming: readonly IncomingMention[]): IncomingMention[] {
  return [...new Map(incoming.map((m) => [m.id, checkedUsername(m)])).values()].sort((a, b) =>
    idLess(a.id, b.id) ? -1 : 1,
  );
}

/** Pure work on a page gives way to other requests and timers this often (a page of long texts is not one long task). */
const GIVE_WAY_MS = 10;

export interface Read {
  understanding: Understanding;
  /** The text to store: cut to MENTION_TEXT_MAX and redacted. */
  text: string;
  redacted: RedactionKind[];
}

/**
 * Each mention classified from its text as written (in memory: a postcode or a date finds
 * the office and the day), then redacted for storage. Pure and bounded (the text is cut
 * first, and the classifier and the redactor are linear); done before any lock is taken.
 */
export async function readMentions(
  mentions: readonly IncomingMention[],
  offices: OfficeIndex,
): Promise<Map<string, Read>> {
  const read = new Map<string, Read>();
  let since = performance.now();
  for (const mention of mentions) {
    if (performance.now() - since > GIVE_WAY_MS) {
      await giveWay();
      since = performance.now();
    }
    const text = capMentionText(mention.text);
    const understanding = understandMention(text, mention.accountId, offices);
    read.set(mention.id, { understanding, ...redactWithKinds(text) });
  }
  return read;
}
