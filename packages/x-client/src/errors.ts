// What to do after a failed X call: retry later, treat as already posted, or give up.
import { CONTROL_OR_FORMAT } from '@jcp/domain';
import { ApiPartialResponseError, ApiRequestError, ApiResponseError } from 'twitter-api-v2';

export type XErrorClass =
  /** rateLimit: X said 429, for this account or (its daily cap spent) for the whole app; X posted nothing. */
  | { kind: 'retry'; notBefore: Date; reason: string; rateLimit?: 'account' | 'app' }
  | { kind: 'already-posted' }
  /**
   * credentials: X refused the account's credentials (401), or the app's access or the token's
   * permissions (a 403 of one of X's client problem types), not the post.
   * forbidden: any other 403: about the post (a reply to a post deleted, not visible, or in a
   * conversation whose author restricted replies) or about the account; GET /2/users/me tells
   * which (see checkCredentials). X posted nothing either way.
   */
  | { kind: 'permanent'; reason: string; credentials?: boolean; forbidden?: boolean };

export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_CAP_MS = 5 * 60_000;

/**
 * Exponential backoff with full jitter: a delay in [0, min(cap, base * 2^attempt)) milliseconds,
 * `attempt` counting from 0 and `random` returning a number in [0, 1).
 */
export function backoffDelay(
  attempt: number,
  random: () => number = Math.random,
  baseMs = BACKOFF_BASE_MS,
  capMs = BACKOFF_CAP_MS,
): number {
  const n = Number.isFinite(attempt) && attempt > 0 ? Math.floor(attempt) : 0;
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(n, 52));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.min(Math.floor(r * ceiling), Math.max(0, ceiling - 1));
}

export interface ClassifyOptions {
  /** Attempts already made (0 for the first failure); drives the fallback backoff. */
  attempt?: number;
  random?: () => number;
  /** The text that was posted: never part of a reason, even if X's answer quotes it. */
  text?: string;
}

/** X's 403 problem types that are about the app or the token, never about one post. */
const CLIENT_PROBLEMS = new Set([
  'https://api.twitter.com/2/problems/client-forbidden',
  'https://api.twitter.com/2/problems/oauth1-permissions',
  'https://api.twitter.com/2/problems/unsupported-authentication',
]);

/** Control and format characters and line separators (the domain's CONTROL_OR_FORMAT), every one. */
const HIDDEN_CHARACTERS = new RegExp(CONTROL_OR_FORMAT.source, 'gu');

/** The longest piece of X's own words kept in a reason. */
export const X_REASON_MAX_LENGTH = 200;

/**
 * X's own words for a refusal (its problem's `detail`, else `title`, else the first error's
 * `message`), made safe to keep and show: control and format characters and line breaks become
 * spaces, @handles are elided (a refusal may name the person replied to), and it is cut to
 * {@link X_REASON_MAX_LENGTH} characters. Empty when X gave no words, or when they quote the post.
 */
export function xRefusalText(data: unknown, text?: string): string {
  const body = (data ?? {}) as { detail?: unknown; title?: unknown; errors?: { message?: unknown }[] };
  const first = Array.isArray(body.errors) ? body.errors[0]?.message : undefined;
  const raw = [body.detail, body.title, first].find((v): v is string => typeof v === 'string' && v.trim() !== '') ?? '';
  const quoted = text !== undefined && text.trim().length >= 8 && raw.includes(text.trim());
  if (quoted) return '';
  const clean = raw
    .slice(0, 4 * X_REASON_MAX_LENGTH)
    .replace(HIDDEN_CHARACTERS, ' ')
    .replace(/@\w+/g, '@…')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = [...clean];
  return chars.length <= X_REASON_MAX_LENGTH
    ? clean
    : `${chars
        .slice(0, X_REASON_MAX_LENGTH - 1)
        .join('')
        .trimEnd()}…`;
}

const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

function header(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  const v = headers?.[name];
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
}

function isDuplicate(error: ApiResponseError): boolean {
  const data = error.data as { detail?: unknown; errors?: { code?: unknown; message?: unknown }[] } | undefined;
  if (typeof data?.detail === 'string' && /duplicate/i.test(data.detail)) return true;
  return (
    Array.isArray(data?.errors) &&
    data.errors.some((e) => e.code === 187 || (typeof e.message === 'string' && /duplicate/i.test(e.message)))
  );
}

/** When a 429 lifts: the latest exhausted window's reset (epoch seconds), if any is known. */
function rateLimitReset(error: ApiResponseError): number | undefined {
  const headers = error.headers as Record<string, unknown> | undefined;
  const resets: number[] = [];
  for (const prefix of ['x-app-limit-24hour', 'x-user-limit-24hour']) {
    if (header(headers, `${prefix}-remaining`) === '0') resets.push(Number(header(headers, `${prefix}-reset`)));
  }
  const shortReset = error.rateLimit?.reset ?? Number(header(headers, 'x-rate-limit-reset'));
  const shortExhausted = error.rateLimit
    ? error.rateLimit.remaining === 0
    : header(headers, 'x-rate-limit-remaining') !== undefined
      ? header(headers, 'x-rate-limit-remaining') === '0'
      : true;
  if (shortExhausted || resets.length === 0) resets.push(shortReset);
  const valid = resets.filter((r) => Number.isFinite(r) && r > 0);
  return valid.length ? Math.max(...valid) : undefined;
}

export function classifyXError(
  error: unknown,
  now: Date | number = Date.now(),
  options: ClassifyOptions = {},
): XErrorClass {
  const nowMs = typeof now === 'number' ? now : now.getTime();
  const backoff = (reason: string): XErrorClass => ({
    kind: 'retry',
    notBefore: new Date(nowMs + backoffDelay(options.attempt ?? 0, options.random)),
    reason,
  });

  if (error instanceof ApiResponseError) {
    const code = error.code;
    if (code === 429 || code === 420) {
      const reset = rateLimitReset(error);
      const rateLimit = header(error.headers, 'x-app-limit-24hour-remaining') === '0' ? 'app' : 'account';
      if (reset !== undefined && reset * 1000 > nowMs)
        return {
          kind: 'retry',
          notBefore: new Date(reset * 1000),
          reason: `rate limited (HTTP ${code}) until reset`,
          rateLimit,
        };
      return { ...backoff(`rate limited (HTTP ${code})`), rateLimit } as XErrorClass;
    }
    if (code === 403 && isDuplicate(error)) return { kind: 'already-posted' };
    if (code >= 500 || code === 408) return backoff(`X server error (HTTP ${code})`);
    if (code === 401)
      return {
        kind: 'permanent',
        reason: 'unauthorized (HTTP 401): credentials rejected or revoked',
        credentials: true,
      };
    const words = xRefusalText(error.data, options.text);
    if (code === 403) {
      const type = (error.data as { type?: unknown } | undefined)?.type;
      if (typeof type === 'string' && CLIENT_PROBLEMS.has(type))
        return {
          kind: 'permanent',
          reason: `forbidden (HTTP 403): the app or token may not post${words ? `: ${words}` : ''}`,
          credentials: true,
        };
      return { kind: 'permanent', reason: `forbidden (HTTP 403)${words ? `: ${words}` : ''}`, forbidden: true };
    }
    return { kind: 'permanent', reason: `request rejected (HTTP ${code})` };
  }
  if (error instanceof ApiRequestError) return backoff('network error: no response from X');
  if (error instanceof ApiPartialResponseError) return backoff('partial or unreadable response from X');
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && RETRYABLE_NETWORK_CODES.has(code)) return backoff(`network error (${code})`);
  // Not an answer from X: nothing says the post was refused, so it is not given up (TLS
  // trouble, a stream closed early, an answer without data). Retried with backoff.
  return backoff(error instanceof Error ? `unexpected error: ${error.name}` : 'unexpected error');
}
