// The offices and their notices, held in the process and kept fresh by the change
// notifications: what every office read is answered from.
import { lastChangeTimes, latestChangeSeq, listOffices, noticesByOffice, type DB, type OfficeWithNames } from '@jcp/db';
import {
  buildOfficeIndex,
  effectiveStatus,
  nextTransition,
  type EffectiveStatus,
  type Notice,
  type OfficeIndex,
} from '@jcp/domain';
import type { Kysely } from 'kysely';

/** No snapshot outlives this, whatever happens to notifications (a safety net, not the mechanism). */
const MAX_AGE_MS = 60_000;

/** The register as loaded: what changes only with a full load, shared by the snapshots made from it. */
export class Register {
  /** Offices in business, by id. */
  readonly inBusiness: readonly OfficeWithNames[];
  private matcher: OfficeIndex | null = null;

  /** `byId`: every office, those closed for good included. */
  constructor(readonly byId: ReadonlyMap<string, OfficeWithNames>) {
    this.inBusiness = [...byId.values()]
      .filter((o) => o.closed_permanently_on === null)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** The office matcher's index of the offices in business (built at its first search, then kept). */
  get index(): OfficeIndex {
    this.matcher ??= buildOfficeIndex(
      this.inBusiness.map((o) => ({
        id: o.id,
        name: o.name,
        accountId: o.account_id,
        postcode: o.postcode,
        address: o.address,
        aliases: o.aliases.map((a) => ({ alias: a.alias, language: a.language === 'cy' ? 'cy' : 'en' })),
      })),
    );
    return this.matcher;
  }
}

/** One state of the register and its statuses, as a read sees it (never changed once made). */
export class OfficeSnapshot {
  constructor(
    /** The change feed position this snapshot reflects at least (every change up to it is in). */
    readonly cursor: string,
    readonly register: Register,
    private readonly notices: ReadonlyMap<string, readonly Notice[]>,
    private readonly lastChanges: ReadonlyMap<string, Date>,
    /** When the register was loaded from the database in full (epoch ms). */
    readonly loadedAt: number,
  ) {}

  /** Every office, those closed for good included, by id. */
  get byId(): ReadonlyMap<string, OfficeWithNames> {
    return this.register.byId;
  }

  /** Offices in business, by id. */
  get inBusiness(): readonly OfficeWithNames[] {
    return this.register.inBusiness;
  }

  /** The office matcher's index of the offices in business. */
  get index(): OfficeIndex {
    return this.register.index;
  }

  /** The office's status at `now`, and when time alone next changes it (epoch ms; null: never). */
  statusAt(officeId: string, now: Date): { status: EffectiveStatus; expiresAt: number | null } {
    const notices = this.notices.get(officeId) ?? [];
    return { status: effectiveStatus(notices, now), expiresAt: nextTransition(notices, now)?.getTime() ?? null };
  }

  /** When a change of the office's status was last recorded (null: never). */
  lastChangedAt(officeId: string): Date | null {
    return this.lastChanges.get(officeId) ?? null;
  }

  /** A new snapshot with these offices' notices and last changes replaced. */
  withOffices(
    cursor: string,
    notices: ReadonlyMap<string, readonly Notice[]>,
    lastChanges: ReadonlyMap<string, Date>,
    ids: readonly string[],
  ): OfficeSnapshot {
    const allNotices = new Map(this.notices);
    const allChanges = new Map(this.lastChanges);
    for (const id of ids) {
      allNotices.set(id, notices.get(id) ?? []);
      const changed = lastChanges.get(id);
      if (changed) allChanges.set(id, changed);
      else allChanges.delete(id);
    }
    return new OfficeSnapshot(cursor, this.register, allNotices, allChanges, this.loadedAt);
  }
}

/** A seq compared as the number it is (bigint text). */
const laterSeq = (a: string, b: string) => (BigInt(a) >= BigInt(b) ? a : b);

/**
 * The in-process view of the offices: loaded once in full, then, at each change
 * notification (from this instance's writes or any other's, through PostgreSQL), only the
 * offices it names are read again, before the next read is answered. A read never scans the
 * register in the database.
 *
 * Freshness is the representation cache's (representation-cache.ts in the API), and for the
 * same reasons: a writer answers once every caching instance has taken its notification
 * (`invalidate` here marks the offices, and the next `snapshot()` reads them), so that a
 * client's next read sees its change whichever instance answers. While notifications may be
 * missed (`setListening(false)`), every read waits for a load begun after it (shared by the
 * reads that arrive together). A notification without offices (a register import, an
 * account's settings) reloads everything, and so does age (`MAX_AGE_MS`), as a safety net
 * for a change made outside the service.
 */
export class OfficeView {
  private current: OfficeSnapshot | null = null;
  /** Offices to read again, and the highest change seq notified for them. */
  private dirty = new Set<string>();
  private dirtyCursor: string | null = null;
  private reloadAll = true;
  private listening = false;
  private refreshing: Promise<void> | null = null;
  /** Loads while notifications may be missed: the one running, and the one queued after it. */
  private loading: Promise<OfficeSnapshot> | null = null;
  private queuedLoad: Promise<OfficeSnapshot> | null = null;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether notifications flow, so that the view may be kept between reads. */
  setListening(listening: boolean): void {
    this.listening = listening;
    this.reloadAll = true;
  }

  /**
   * These offices changed (null: anything may have), as of change `seq` when known: the next
   * snapshot reads them again.
   */
  invalidate(officeIds: readonly string[] | null, seq: string | null = null): void {
    if (officeIds === null) this.reloadAll = true;
    else for (const id of officeIds) this.dirty.add(id);
    if (seq !== null) this.dirtyCursor = this.dirtyCursor === null ? seq : laterSeq(this.dirtyCursor, seq);
  }

  /** The view as of now: every change notified before this call is in it. */
  async snapshot(): Promise<OfficeSnapshot> {
    if (!this.listening) return this.loadStartedAfterNow();
    for (;;) {
      if (this.refreshing) {
        await this.refreshing;
        continue;
      }
      const current = this.current;
      const stale = current === null || this.reloadAll || this.now() - current.loadedAt > MAX_AGE_MS;
      if (!stale && this.dirty.size === 0) return current;
      this.refreshing = this.refresh(stale ? null : current).finally(() => {
        this.refreshing = null;
      });
    }
  }

  private async refresh(base: OfficeSnapshot | null): Promise<void> {
    const ids = [...this.dirty];
    const cursor = this.dirtyCursor;
    this.dirty = new Set();
    this.dirtyCursor = null;
    if (base === null) this.reloadAll = false;
    try {
      if (base === null) {
        this.current = await this.load();
        return;
      }
      const [notices, lastChanges] = await Promise.all([noticesByOffice(this.db, ids), lastChangeTimes(this.db, ids)]);
      this.current = base.withOffices(
        cursor === null ? base.cursor : laterSeq(base.cursor, cursor),
        notices,
        lastChanges,
        ids,
      );
    } catch (error) {
      // Read again at the next snapshot rather than serve what failed to load.
      for (const id of ids) this.dirty.add(id);
      if (base === null) this.reloadAll = true;
      throw error;
    }
  }

  /**
   * While notifications may be missed, a read needs a load that began after it was asked for
   * (one begun earlier may miss a change committed just before): the queued load if there is
   * one, else a load queued after the running one, else a new one. So concurrent reads share
   * at most two loads, however many they are.
   */
  private loadStartedAfterNow(): Promise<OfficeSnapshot> {
    if (this.queuedLoad) return this.queuedLoad;
    const start = (): Promise<OfficeSnapshot> => {
      const load = this.load().finally(() => {
        if (this.loading === load) this.loading = null;
      });
      this.loading = load;
      return load;
    };
    if (!this.loading) return start();
    const queued = this.loading
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        this.queuedLoad = null;
        return start();
      });
    this.queuedLoad = queued;
    return queued;
  }

  /** Everything, from the database: the cursor first, so that the snapshot holds at least every change up to it. */
  private async load(): Promise<OfficeSnapshot> {
    const loadedAt = this.now();
    const cursor = await latestChangeSeq(this.db);
    const offices = await listOffices(this.db, { includeClosedPermanently: true });
    const ids = offices.map((o) => o.id);
    const [notices, lastChanges] = await Promise.all([noticesByOffice(this.db, ids), lastChangeTimes(this.db, null)]);
    return new OfficeSnapshot(
      cursor,
      new Register(new Map(offices.map((o) => [o.id, o]))),
      notices,
      lastChanges,
      loadedAt,
    );
  }
}
