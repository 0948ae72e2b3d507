// The replies of a page of mentions: composed from the offices' states, each made distinct
// from the texts its account already has (X refuses a repeat: the one rule of
// @jcp/domain's distinct-text), under the replying accounts' locks.
import {
  KEYED_LOCKS,
  officeStates,
  takeKeyedLocks,
  usedPostTexts,
  type MentionAccountSettings,
  type NewReply,
} from '@jcp/db';
import {
  composeSignpostReply,
  composeStatusReply,
  firstDistinct,
  markReply,
  type IncomingMention,
  type MentionDecisionResult,
  type OfficeChange,
} from '@jcp/domain';
import type { Transaction } from 'kysely';
import type { DB } from '@jcp/db';
import type { Read } from './read.js';

export interface Planned extends Read {
  mention: IncomingMention;
  decision: MentionDecisionResult;
}

/** The replies (and signposts) the planned mentions get, in the order planned. */
export async function composeReplies(
  trx: Transaction<DB>,
  planned: readonly Planned[],
  accounts: ReadonlyMap<string, MentionAccountSettings>,
  now: Date,
): Promise<NewReply[]> {
  const answering = planned.filter((p) => p.decision.action === 'reply' || p.decision.action === 'signpost');
  if (answering.length === 0) return [];
  // The state of every office a reply names, or of every office of an account asked in general.
  const replying = answering.filter((p) => p.decision.action === 'reply');
  const namedOffices = [...new Set(replying.flatMap((p) => p.understanding.offices))];
  const summaryAccounts = [
    ...new Set(replying.filter((p) => p.understanding.offices.length === 0).map((p) => p.mention.accountId)),
  ];
  const states = await officeStates(trx, namedOffices, summaryAccounts);

  const replies: NewReply[] = answering.map((p) => {
    const liveHours = accounts.get(p.mention.accountId)!.liveHours;
    const language = p.understanding.language;
    const to = p.mention.authorUsername ?? undefined;
    let text: string;
    if (p.decision.action === 'signpost') {
      text = composeSignpostReply({ language, now, liveHours, ...(to ? { to } : {}) });
    } else {
      const asked = p.understanding.offices
        .map((id) => states.changeFor(id))
        .filter((c): c is OfficeChange => c !== null);
      const summary = p.understanding.offices.length === 0 ? states.summaryFor(p.mention.accountId) : undefined;
      const later = p.understanding.when !== 'now' && p.understanding.when !== 'today';
      text = composeStatusReply({
        language,
        asked,
        ...(summary ? { account: summary } : {}),
        later,
        now,
        liveHours,
        ...(to ? { to } : {}),
      });
    }
    return { accountId: p.mention.accountId, language, text, inReplyToXId: p.mention.id };
  });

  // X refuses a text the account already posted: a repeat (the same person asking twice) is
  // told apart by the one rule. The accounts replying are locked (after the authors, in a
  // fixed order), so that two pages never both take a text.
  const accountIds = [...new Set(replies.map((r) => r.accountId))];
  await takeKeyedLocks(trx, KEYED_LOCKS.mentionAccount, accountIds);
  const used = await usedPostTexts(trx, accountIds, [...new Set(replies.map((r) => r.text))]);
  const key = (accountId: string, text: string) => `${accountId}\u0000${text}`;
  for (const r of replies) {
    const original = r.text;
    r.text = await firstDistinct(
      (attempt) => markReply(original, now, attempt),
      (text) => used.has(key(r.accountId, text)),
    );
    used.add(key(r.accountId, r.text));
  }
  return replies;
}
