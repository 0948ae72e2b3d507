// A post as X takes it: its languages, what it says about an office, and how X measures it
// (twitter-text: a URL weighs 23, emoji and CJK 2; at most 280).
import twitterText from 'twitter-text';
import { type Cause, type Certainty, type Status } from './status.js';

export const MAX_WEIGHTED_LENGTH = 280;

export type Language = 'en' | 'cy';

export interface ComposeAccount {
  handle: string;
  languages: readonly Language[];
  includeLink: boolean;
  link?: string;
}

/** The then-current state of one of the account's offices. */
export interface OfficeChange {
  officeName: string;
  /** The office's Welsh name (Abertawe for Swansea), used in Welsh posts; the English name otherwise. */
  welshName?: string | null;
  status: Status;
  cause: Cause | null;
  /** The expected reopening has passed and nobody has said anything new. */
  stale?: boolean;
  expectedReopenAt: Date | null;
  reopenCertainty: Certainty;
  /** For a delay, when the office opens (defaults to expectedReopenAt). */
  opensAt?: Date | null;
  /** When the notice ends, used when no reopening time is given. */
  until?: Date | null;
}

export interface ComposedPost {
  language: Language;
  /** A single post, or a numbered thread. */
  parts: string[];
}

export function weightedLength(text: string): number {
  return twitterText.parseTweet(text).weightedLength;
}

/**
 * A link X counts as 23 characters: one URL that twitter-text recognises as a whole (a
 * host X does not take for a link, e.g. without a known top-level domain, counts letter
 * by letter and could push a post past 280).
 */
export function isPostableLink(link: string): boolean {
  if (!/^https:\/\/\S+$/.test(link)) return false;
  const urls = twitterText.extractUrlsWithIndices(link);
  return urls.length === 1 && urls[0]!.url === link && twitterText.parseTweet(link).weightedLength === 23;
}

export function fitsInPost(text: string): boolean {
  const parsed = twitterText.parseTweet(text);
  return parsed.valid && parsed.weightedLength <= MAX_WEIGHTED_LENGTH;
}
