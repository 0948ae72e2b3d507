/**
 * What a post says about an office, and whether a new state is worth a post. A post
 * names the status, the cause and the reopening (or opening) time; the free-text
 * message and the notice behind it are not posted, so a change to those alone posts
 * nothing, and a change undone before it was posted posts nothing either.
 */
import type { OfficeChange } from './post.js';

export type Announcement = Omit<OfficeChange, 'officeName' | 'welshName' | 'opensAt'>;

/** What followers assume before anything was posted: the office keeps its regular hours. */
export const REGULAR_ANNOUNCEMENT: Announcement = Object.freeze({
  status: 'open',
  cause: null,
  stale: false,
  expectedReopenAt: null,
  reopenCertainty: 'unknown',
  until: null,
});

const time = (d: Date | null | undefined) => (d ? d.getTime() : null);

export function sameAnnouncement(a: Announcement, b: Announcement): boolean {
  if (a.status !== b.status) return false;
  // "Open again" says nothing more, whatever the notice behind it.
  if (a.status === 'open') return true;
  return (
    a.cause === b.cause &&
    (a.stale ?? false) === (b.stale ?? false) &&
    time(a.expectedReopenAt) === time(b.expectedReopenAt) &&
    (a.expectedReopenAt === null || a.reopenCertainty === b.reopenCertainty) &&
    (a.expectedReopenAt !== null || time(a.until) === time(b.until))
  );
}
