// Postcodes as people write them in a sentence or a search box: "CA3 8DG", "ca38dg", or
// the outward code alone ("CA3"), read from canonical (lower-case) words.
import { normalisePostcode, outwardCode } from '../postcode.js';
import type { OfficeIndex } from './office-index.js';

const OUTWARD = /^[a-z]{1,2}\d[a-z\d]?$/;
const INWARD = /^\d[a-z]{2}$/;
const COMPACT_POSTCODE = /^[a-z]{1,2}\d[a-z\d]?\d[a-z]{2}$/;

export interface PostcodeRead {
  /** A whole postcode was written (its two halves, or both run together). */
  whole: boolean;
  /** 'postcode' when an office has that postcode; else the offices of its outward code. */
  kind: 'postcode' | 'outward-code';
  /** What was matched, in capitals: the postcode ("CA3 8DG") or its outward code ("CA3"). */
  code: string;
  /** The offices found: none when no office has the postcode nor its outward code. */
  ids: readonly string[];
  /** Words read: 2 for "ca3 8dg", 1 otherwise. */
  words: 1 | 2;
}

/** The postcode starting at `word` (with `next` as its possible inward half), or null when it is not one. */
export function readPostcode(index: OfficeIndex, word: string, next: string | undefined): PostcodeRead | null {
  if (OUTWARD.test(word)) {
    const outward = word.toUpperCase();
    if (next !== undefined && INWARD.test(next)) {
      const postcode = `${outward} ${next.toUpperCase()}`;
      const byPostcode = index.byPostcode.get(postcode);
      if (byPostcode) return { whole: true, kind: 'postcode', code: postcode, ids: byPostcode, words: 2 };
      return { whole: true, kind: 'outward-code', code: outward, ids: index.byOutward.get(outward) ?? [], words: 2 };
    }
    return { whole: false, kind: 'outward-code', code: outward, ids: index.byOutward.get(outward) ?? [], words: 1 };
  }
  if (COMPACT_POSTCODE.test(word)) {
    const postcode = normalisePostcode(word);
    if (!postcode) return null;
    const byPostcode = index.byPostcode.get(postcode);
    if (byPostcode) return { whole: true, kind: 'postcode', code: postcode, ids: byPostcode, words: 1 };
    const outward = outwardCode(postcode);
    return { whole: true, kind: 'outward-code', code: outward, ids: index.byOutward.get(outward) ?? [], words: 1 };
  }
  return null;
}
