// What the passes found.
import { REDACTION_KINDS, type RedactionKind } from './kinds.js';

/**
 * What the passes found, character by character of the view (so that adding a span or
 * checking one costs its length, and putting the text together one pass): the first kind of
 * REDACTION_KINDS over each character, whether a span goes on from the character before
 * (overlapping spans become one placeholder; spans that only touch stay two), and what is
 * kept as it is (a date or a time that is not personal, whose digits no later pass takes).
 */
export class Spans {
  /** 0: nothing; else 1 + the index of the kind in REDACTION_KINDS (made on the first span: most mentions have none). */
  rank = EMPTY;
  joined = EMPTY;
  private kept = EMPTY;
  /** Bit k: kind k of REDACTION_KINDS was found. */
  kinds = 0;
  constructor(private readonly length: number) {}
  add(start: number, end: number, kind: RedactionKind | null): void {
    if (this.rank === EMPTY) {
      this.rank = new Uint8Array(this.length);
      this.joined = new Uint8Array(this.length);
      this.kept = new Uint8Array(this.length);
    }
    if (kind === null) {
      this.kept.fill(1, start, end);
      return;
    }
    const rank = REDACTION_KINDS.indexOf(kind) + 1;
    this.kinds |= 1 << (rank - 1);
    for (let i = start; i < end; i++) {
      const r = this.rank[i]!;
      if (r === 0 || r > rank) this.rank[i] = rank;
      if (i > start) this.joined[i] = 1;
    }
  }
  free(start: number, end: number): boolean {
    if (this.rank === EMPTY) return true;
    for (let i = start; i < end; i++) if (this.rank[i] !== 0 || this.kept[i] !== 0) return false;
    return true;
  }
}
const EMPTY = new Uint8Array(0);
