import { setInboxState, type DB, type InboxState, type MentionView } from '@jcp/db';
import type { Kysely, Transaction } from 'kysely';
import type { Caller } from '../caller.js';
import { fail } from '../problems.js';
import { readMention } from './read.js';

export interface InboxActionDeps<R> {
  db: Kysely<DB>;
  /** Runs the change in a transaction (the API's idempotent write) and answers with what it makes of the mention. */
  write: (change: (trx: Transaction<DB>) => Promise<MentionView>) => Promise<R>;
}

/**
 * Marks an inbox mention handled, or puts it back in the open inbox, with an optional note
 * (audited with the caller). The mention must be one the caller may see (MENTION_NOT_FOUND,
 * checked before anything is written) and in the inbox (NOT_IN_INBOX).
 */
export async function changeInboxState<R>(
  deps: InboxActionDeps<R>,
  caller: Caller,
  id: string,
  state: InboxState,
  note: string | null,
): Promise<R> {
  await readMention(deps, caller, id);
  return deps.write(async (trx) => {
    const updated = await setInboxState(trx, id, state, caller.actor, note);
    if (!updated) throw fail('NOT_IN_INBOX', `Mention ${id} is not in the inbox`);
    return updated;
  });
}
