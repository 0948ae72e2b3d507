import type { Account, ChangeFanout, DeliveryHealth, PostView } from '@jcp/use-cases';
import type { z } from 'zod';
import { iso } from '../../views.js';
import type { View, Viewer } from '../../visibility.js';
import {
  type accountSchema,
  type changeFanoutSchema,
  type deliverySchema,
  type postSchema,
  type publicAccountSchema,
  type publicChangeFanoutSchema,
  publicDeliverySchema,
  type publicPostSchema,
} from './schemas.js';

// --- views -----------------------------------------------------------------------------------

export type AccountResource = z.infer<typeof accountSchema>;
export type PublicAccountResource = z.infer<typeof publicAccountSchema>;
export type PostResource = z.infer<typeof postSchema>;
export type PublicPostResource = z.infer<typeof publicPostSchema>;

// One view function per resource, given the caller's view. A public view is built from the
// public fields only (nothing privileged is blanked: it is not there), so no route can leak
// what its view function does not put in.

export function toAccountResource(a: Account, view: 'privileged'): AccountResource;
export function toAccountResource(a: Account, view: View): AccountResource | PublicAccountResource;
export function toAccountResource(a: Account, view: View): AccountResource | PublicAccountResource {
  const h = a.health;
  const health = {
    queuedPosts: h.queuedPosts,
    oldestQueuedAt: iso(h.oldestQueuedAt),
    pendingChanges: h.pendingChanges,
    blockedUntil: iso(h.blockedUntil),
    lastAttemptAt: iso(h.lastAttemptAt),
    lastSuccessAt: iso(h.lastSuccessAt),
    lastFailureAt: iso(h.lastFailureAt),
    consecutiveFailures: h.consecutiveFailures,
    userBudget: h.userBudget,
    waiting: h.waiting && { reason: h.waiting.reason, until: iso(h.waiting.until) },
  };
  const shown: PublicAccountResource = {
    id: a.id,
    name: a.name,
    handle: a.handle,
    isPlaceholder: a.isPlaceholder,
    xUserId: a.xUserId,
    languages: a.languages,
    postingWindow: a.postingWindow,
    includeLinks: a.includeLinks,
    link: a.link,
    allowUrgent: a.allowUrgent,
    coalesceSeconds: a.coalesceSeconds,
    autoReplies: a.autoReplies,
    signpostReplies: a.signpostReplies,
    paused: a.paused,
    pausedAt: iso(a.pausedAt),
    hasCredentials: a.hasCredentials,
    officeCount: a.officeCount,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
    health,
  };
  if (view === 'public') return shown;
  return { ...shown, pausedReason: a.pausedReason, health: { ...health, lastError: h.lastError } };
}

/** A post, or nothing: a reply has no public view at all. */
export function toPostResource(p: PostView, view: 'privileged'): PostResource;
export function toPostResource(p: PostView, view: 'public'): PublicPostResource | null;
export function toPostResource(p: PostView, view: View): PostResource | PublicPostResource | null;
export function toPostResource(p: PostView, view: View): PostResource | PublicPostResource | null {
  if (view === 'public' && p.kind !== 'status') return null;
  const shown: PublicPostResource = {
    id: p.id,
    accountId: p.accountId,
    handle: p.handle,
    language: p.language,
    part: p.part,
    parts: p.parts,
    text: p.text,
    state: p.state,
    attempts: p.attempts,
    xPostId: p.xPostId,
    outcome: p.outcome,
    createdAt: p.createdAt.toISOString(),
    deliveredAt: iso(p.deliveredAt),
    notBefore: p.notBefore.toISOString(),
    replyToPostId: p.replyToPostId,
    kind: 'status',
  };
  if (view === 'public') return shown;
  return { ...shown, kind: p.kind, inReplyToXId: p.inReplyToXId, lastError: p.lastError, deliveredBy: p.deliveredBy };
}

/** Posts of one account as `view` shows them: a public list has no replies. */
export function toPostList(
  posts: readonly PostView[],
  view: View,
): { posts: PostResource[] } | { posts: PublicPostResource[] } {
  if (view === 'privileged') return { posts: posts.map((p) => toPostResource(p, view)) };
  return { posts: posts.flatMap((p) => toPostResource(p, view) ?? []) };
}

export function toChangeFanoutResource(
  c: ChangeFanout,
  viewer: Viewer,
): z.infer<typeof changeFanoutSchema> | z.infer<typeof publicChangeFanoutSchema> {
  return {
    ...c,
    batch: c.batch ? { id: c.batch.id, composedAt: c.batch.composedAt.toISOString() } : null,
    ...toPostList(c.posts, viewer.of(c.accountId)),
  };
}

export type DeliveryResource = z.infer<typeof deliverySchema>;
export type PublicDeliveryResource = z.infer<typeof publicDeliverySchema>;

export function toDeliveryResource(d: DeliveryHealth, viewer: { staff: true }): DeliveryResource;
export function toDeliveryResource(
  d: DeliveryHealth,
  viewer: Pick<Viewer, 'staff'>,
): DeliveryResource | PublicDeliveryResource;
export function toDeliveryResource(
  d: DeliveryHealth,
  viewer: Pick<Viewer, 'staff'>,
): DeliveryResource | PublicDeliveryResource {
  const full = {
    ...d,
    pausedAt: iso(d.pausedAt),
    appBlockedUntil: iso(d.appBlockedUntil),
    oldestQueuedAt: iso(d.oldestQueuedAt),
  };
  return viewer.staff ? full : publicDeliverySchema.parse(full);
}

/** What the admin routes answer with: everything. */
export const ADMIN_VIEW = { staff: true } as const;
