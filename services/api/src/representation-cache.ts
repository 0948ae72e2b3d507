import { createHash } from 'node:crypto';

/** A rendered read: the JSON text sent, its ETag and when it must be rendered anew. */
export interface Representation {
  payload: string;
  etag: string;
  /** Epoch ms after which time alone may have changed it (a scheduled notice starts or ends). */
  expiresAt: number;
}

export function etagOf(payload: string): string {
  return `"${createHash('sha256').update(payload).digest('base64url').slice(0, 27)}"`;
}

/** No entry outlives this, whatever happens to notifications (a safety net, not the mechanism). */
const MAX_AGE_MS = 60_000;

/**
 * Rendered office and status documents, kept until a status change is NOTIFYed
 * (by any instance, through PostgreSQL) or until time alone changes them.
 *
 * Correctness rules:
 * - A render that started before an invalidation is never stored (generation check),
 *   so a slow read cannot put back what a change just removed.
 * - While notifications may be missed (the listener is reconnecting), nothing is
 *   cached at all: every read goes to the database.
 */
export class RepresentationCache {
  private readonly entries = new Map<string, Representation>();
  private generation = 0;
  private listening = false;
  private seenSeq = 0n;
  private readonly seqWaiters = new Set<{ seq: bigint; resolve: () => void }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Whether notifications flow, so that entries may be kept. */
  setListening(listening: boolean): void {
    this.listening = listening;
    this.invalidate(null);
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): Representation | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** The cached representation, or a fresh render (stored when nothing changed meanwhile). */
  async getOrRender(key: string, render: () => Promise<{ body: unknown; expiresAt: number | null } | null>): Promise<Representation | null> {
    const hit = this.get(key);
    if (hit) return hit;
    const generation = this.generation;
    const rendered = await render();
    if (!rendered) return null;
    const payload = JSON.stringify(rendered.body);
    const representation: Representation = {
      payload,
      etag: etagOf(payload),
      expiresAt: Math.min(rendered.expiresAt ?? Infinity, this.now() + MAX_AGE_MS),
    };
    if (this.listening && generation === this.generation) this.entries.set(key, representation);
    return representation;
  }

  /** Drops the given offices' entries and every document that lists all offices (null: everything). */
  invalidate(officeIds: readonly string[] | null): void {
    this.generation++;
    if (officeIds === null) {
      this.entries.clear();
      return;
    }
    for (const key of [...this.entries.keys()]) if (!key.startsWith('office:')) this.entries.delete(key);
    for (const id of officeIds) this.entries.delete(`office:${id}`);
  }

  /** A notification arrived: `seq` is the newest change it carries (null: none). */
  notified(officeIds: readonly string[] | null, seq: string | null): void {
    this.invalidate(officeIds);
    if (seq !== null) {
      const s = BigInt(seq);
      if (s > this.seenSeq) this.seenSeq = s;
    }
    for (const waiter of this.seqWaiters) {
      if (waiter.seq <= this.seenSeq) {
        this.seqWaiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  /**
   * Resolves once this instance has heard the notification for change `seq` (or after
   * `timeoutMs`). A writer waits for its own notification before answering, so by the
   * time its client reads from another instance, that instance has been told as well.
   */
  async waitForSeq(seq: string, timeoutMs: number): Promise<boolean> {
    const s = BigInt(seq);
    if (!this.listening || s <= this.seenSeq) return s <= this.seenSeq;
    return new Promise<boolean>((resolve) => {
      const waiter = {
        seq: s,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.seqWaiters.delete(waiter);
        resolve(false);
      }, timeoutMs);
      this.seqWaiters.add(waiter);
    });
  }
}
