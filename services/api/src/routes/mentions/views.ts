import { REDACTION_KINDS, type RedactionKind } from '@jcp/domain';
import type { MentionView } from '@jcp/use-cases';
import type { z } from 'zod';
import { iso } from '../../views.js';
import type { mentionSchema } from './schemas.js';

export type MentionResource = z.infer<typeof mentionSchema>;

export function toResource(m: MentionView): MentionResource {
  return {
    ...m,
    redacted: m.redacted.filter((k): k is RedactionKind => (REDACTION_KINDS as readonly string[]).includes(k)),
    postedAt: m.postedAt.toISOString(),
    receivedAt: m.receivedAt.toISOString(),
    reply: m.reply
      ? {
          ...m.reply,
          state: m.reply.state as 'queued' | 'delivered' | 'failed' | 'superseded',
          deliveredAt: iso(m.reply.deliveredAt),
        }
      : null,
    inbox: m.inbox ? { ...m.inbox, handledAt: iso(m.inbox.handledAt) } : null,
  };
}
