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
 * Only documents that are the same for every caller go here (offices and statuses: public
 * data, no field depends on the token). Reads whose answer depends on who asks (the
 * accounts and their posts, see visibility.ts) are never cached, here or by anybody else.
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

  constructor(private readonly now: () => number = Date.now) {}

  get isListening(): boolean {
    return this.listening;
  }

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
  async getOrRender(
    key: string,
    render: () => Promise<{ body: unknown; expiresAt: number | null } | null>,
  ): Promise<Representation | null> {
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

  /** A notification arrived: drop what it makes out of date. */
  notified(officeIds: readonly string[] | null): void {
    this.invalidate(officeIds);
  }
}
