/**
 * How mentions are read within X's budgets: every account's handle OR-ed into as few
 * recent-search queries as fit in X's 512 characters, polled at an interval that
 * keeps the queries inside a share of the app's search budget, faster while citizens
 * are likely to ask (an office disrupted, a recent mention) and slower when all is
 * quiet. The arithmetic is in docs/mentions.md.
 */

/** X's limit on a recent-search query. */
export const MAX_SEARCH_QUERY_LENGTH = 512;

/** GET /2/tweets/search/recent: 450 requests per 15 minutes per app. */
export const SEARCH_BUDGET: Readonly<{ limit: number; windowMs: number }> = Object.freeze({
  limit: 450,
  windowMs: 15 * 60_000,
});

/** The share of the search budget polling may spend (the rest: retries, pages, a second look). */
export const SEARCH_BUDGET_SHARE = 2 / 3;

const SUFFIX = ' -is:retweet';

/** `(@a OR @b …) -is:retweet` queries, each within the length limit, covering every handle once. */
export function planSearchQueries(
  handles: readonly string[],
  maxLength = MAX_SEARCH_QUERY_LENGTH,
): { query: string; handles: string[] }[] {
  const sorted = [...new Set(handles)].sort((a, b) => a.localeCompare(b, 'en'));
  const queries: { query: string; handles: string[] }[] = [];
  let current: string[] = [];
  const render = (hs: readonly string[]) => `(${hs.map((h) => `@${h}`).join(' OR ')})${SUFFIX}`;
  for (const handle of sorted) {
    if (render([handle]).length > maxLength) throw new Error(`handle ${handle} cannot fit in a query`);
    if (current.length > 0 && render([...current, handle]).length > maxLength) {
      queries.push({ query: render(current), handles: current });
      current = [];
    }
    current.push(handle);
  }
  if (current.length > 0) queries.push({ query: render(current), handles: current });
  return queries;
}

export interface PollIntervals {
  /** While citizens are likely asking (default 15 s). */
  activeMs: number;
  /** When nothing is disrupted and nobody has asked lately (default 60 s). */
  quietMs: number;
}

export const DEFAULT_POLL_INTERVALS: PollIntervals = Object.freeze({ activeMs: 15_000, quietMs: 60_000 });

/** The shortest interval at which `queries` requests per cycle stay within the budget's share. */
export function minimumPollInterval(
  queries: number,
  budget: { limit: number; windowMs: number } = SEARCH_BUDGET,
  share = SEARCH_BUDGET_SHARE,
): number {
  if (queries <= 0) return 0;
  return Math.ceil((queries * budget.windowMs) / Math.max(1, Math.floor(budget.limit * share)));
}

/** The interval to the next poll: active or quiet, never faster than the budget allows. */
export function pollInterval(
  queries: number,
  active: boolean,
  intervals: PollIntervals = DEFAULT_POLL_INTERVALS,
  budget = SEARCH_BUDGET,
  share = SEARCH_BUDGET_SHARE,
): number {
  return Math.max(active ? intervals.activeMs : intervals.quietMs, minimumPollInterval(queries, budget, share));
}

const TWITTER_EPOCH_MS = 1_288_834_974_657n;

/** The smallest post id X could give a post made at `at` (ids are timestamps shifted left 22 bits). */
export function postIdAt(at: Date): string {
  const ms = BigInt(Math.max(0, at.getTime())) - TWITTER_EPOCH_MS;
  return (ms > 0n ? ms << 22n : 0n).toString();
}

/** When X made the post with this id. */
export function postIdTime(id: string): Date {
  return new Date(Number((BigInt(id) >> 22n) + TWITTER_EPOCH_MS));
}

/**
 * The since_id to read an account's mentions from: its cursor (the newest mention read)
 * less an overlap, because X can index a mention a little after a newer one. However
 * long the reader was away, it reads on from there (what is too old for an automatic
 * reply still reaches the inbox). An account never read starts `firstReadMs` back.
 */
export function sinceIdFor(
  cursor: string | null,
  now: Date,
  options: { overlapMs: number; firstReadMs: number },
): string {
  if (cursor === null) return postIdAt(new Date(now.getTime() - options.firstReadMs));
  return postIdAt(new Date(postIdTime(cursor).getTime() - options.overlapMs));
}
