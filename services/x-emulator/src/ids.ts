// Post ids: snowflakes, compared as decimal text.
export const TWITTER_EPOCH = 1288834974657n;
// Ids are decimal without leading zeros: the longer is the larger, else compare as text (no BigInt per comparison).
export const cmpId = (a: string, b: string) =>
  a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
export const isId = (s: unknown): s is string => typeof s === 'string' && /^(0|[1-9]\d{0,18})$/.test(s);
