import { createHash } from 'node:crypto';

/** A rendered read: the JSON text sent, its ETag and when it must be rendered anew. */
export interface Representation {
  payload: string;
  etag: string;
  /** Epoch ms after which time alone may have changed it (a scheduled notice starts or ends). */
  expiresAt: number;
  /** Never sent compressed: its ETag is what If-Match compares (the office lookup; representation-encoding.ts). */
  identityOnly?: boolean;
}

/** What a route renders for the cache: the document, its expiry, and whether it may be compressed. */
export interface Rendering {
  body: unknown;
  expiresAt: number | null;
  identityOnly?: boolean;
}

export function etagOf(payload: string): string {
  return `"${createHash('sha256').update(payload).digest('base64url').slice(0, 27)}"`;
}

/** No entry outlives this, whatever happens to notifications (a safety net, not the mechanism). */
const MAX_AGE_MS = 60_000;
/**
 * The most the payloads together may hold. Keys come from request URLs (a list's or a
 * search's query string as written), which anyone can vary: past this the oldest entries go.
 * The register's every office and list, statuses and a few hundred searches take a few MB.
 */
const DEFAULT_MAX_BYTES = 24 * 1024 * 1024;
/** And at most this many entries, whatever their size. */
const MAX_ENTRIES = 20_000;
/** A longer key (a URL padded on purpose) is rendered but never kept. */
const MAX_KEY_LENGTH = 300;
/** What an entry costs beyond its text: the Map's slot, the object, its header blocks, its gzip copy. */
const ENTRY_OVERHEAD = 512;

/** What else must forget what changed when the cache does (the in-process office view). */
export interface CacheFollower {
  invalidate(officeIds: readonly string[] | null, seq: string | null): void;
  setListening(listening: boolean): void;
}

/**
 * Rendered office and status documents, kept until a status change is NOTIFYed
 * (by any instance, through PostgreSQL) or until time alone changes them.
 *
 * Only documents that are the same for every caller go here (offices, their history, lists,
 * searches, statuses and the change feed: public data, no field depends on the token). Reads
 * whose answer depends on who asks (the accounts and their posts, see visibility.ts) are
 * never cached, here or by anybody else.
 *
 * Keys: `office:{id}` and `office:{id}/...` (what depends on one office: dropped when it
 * changes) and anything else (what lists offices or the feed: dropped at every change).
 *
 * Correctness rules:
 * - A render that started before an invalidation is never stored (generation check),
 *   so a slow read cannot put back what a change just removed.
 * - While notifications may be missed (the listener is reconnecting), nothing is
 *   cached at all: every read goes to the database.
 */
export class RepresentationCache {
  private readonly entries = new Map<string, Representation>();
  private bytes = 0;
  private generation = 0;
  private listening = false;
  private readonly followers: CacheFollower[] = [];
  /** Renders in flight, by key: concurrent misses of one key share one (per generation). */
  private readonly rendering = new Map<string, { generation: number; done: Promise<Representation | null> }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxBytes = DEFAULT_MAX_BYTES,
  ) {}

  /** `follower` is told of every invalidation and change of the listener's state, as they happen. */
  follow(follower: CacheFollower): void {
    this.followers.push(follower);
    follower.setListening(this.listening);
  }

  get isListening(): boolean {
    return this.listening;
  }

  /** Whether notifications flow, so that entries may be kept. */
  setListening(listening: boolean): void {
    this.listening = listening;
    this.invalidate(null);
    for (const follower of this.followers) follower.setListening(listening);
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): Representation | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.drop(key, entry);
      return undefined;
    }
    // Least recently used last out: a hit moves to the back of the Map's order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  /**
   * The cached representation, or a fresh render (stored when nothing changed meanwhile).
   * Concurrent misses of one key share one render, as long as nothing changed since it began.
   */
  async getOrRender(key: string, render: () => Promise<Rendering | null>): Promise<Representation | null> {
    const hit = this.get(key);
    if (hit) return hit;
    const generation = this.generation;
    const inFlight = this.rendering.get(key);
    if (inFlight && inFlight.generation === generation) return inFlight.done;
    const done = this.renderAndStore(key, generation, render);
    this.rendering.set(key, { generation, done });
    try {
      return await done;
    } finally {
      if (this.rendering.get(key)?.done === done) this.rendering.delete(key);
    }
  }

  private async renderAndStore(
    key: string,
    generation: number,
    render: () => Promise<Rendering | null>,
  ): Promise<Representation | null> {
    const rendered = await render();
    if (!rendered) return null;
    const payload = JSON.stringify(rendered.body);
    const representation: Representation = {
      payload,
      etag: etagOf(payload),
      expiresAt: Math.min(rendered.expiresAt ?? Infinity, this.now() + MAX_AGE_MS),
      ...(rendered.identityOnly ? { identityOnly: true } : {}),
    };
    if (this.listening && generation === this.generation) this.store(key, representation);
    return representation;
  }

  private store(key: string, representation: Representation): void {
    if (key.length > MAX_KEY_LENGTH) return;
    const size = costOf(key, representation);
    if (size > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old) this.drop(key, old);
    // The least recently used first (a Map keeps insertion order; a hit re-inserts).
    for (const [k, entry] of this.entries) {
      if (this.bytes + size <= this.maxBytes && this.entries.size < MAX_ENTRIES) break;
      this.drop(k, entry);
    }
    this.entries.set(key, representation);
    this.bytes += size;
  }

  private drop(key: string, entry: Representation): void {
    this.entries.delete(key);
    this.bytes -= costOf(key, entry);
  }

  /**
   * Drops what depends on the given offices and every document that lists offices or the feed
   * (null: everything), and tells the followers; `seq`, the change that did it, when known.
   */
  invalidate(officeIds: readonly string[] | null, seq: string | null = null): void {
    this.generation++;
    if (officeIds === null) {
      this.entries.clear();
      this.bytes = 0;
    } else {
      const changed = new Set(officeIds);
      for (const [key, entry] of this.entries) {
        const office = officeOf(key);
        if (office === null || changed.has(office)) this.drop(key, entry);
      }
    }
    for (const follower of this.followers) follower.invalidate(officeIds, seq);
  }

  /** A notification arrived: drop what it makes out of date. */
  notified(officeIds: readonly string[] | null, seq: string | null = null): void {
    this.invalidate(officeIds, seq);
  }
}

/** The office a key depends on alone (`office:{id}` or `office:{id}/...`), or null for one that lists offices. */
function officeOf(key: string): string | null {
  if (!key.startsWith('office:')) return null;
  const end = key.indexOf('/', 7);
  return end === -1 ? key.slice(7) : key.slice(7, end);
}

/** What an entry is counted as against the cache's bound: its key, its text (a gzip copy is a fraction more) and the overhead. */
function costOf(key: string, representation: Representation): number {
  return key.length + Math.ceil(representation.payload.length * 1.15) + ENTRY_OVERHEAD;
}
