import { z } from 'zod';

const bool = z.stringbool({ truthy: ['true', '1', 'yes'], falsy: ['false', '0', 'no'] });

/** An integer from `min` to `max`, read from its decimal text. */
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const postgresUrl = z.url({ protocol: /^postgres(ql)?$/, error: 'expected a postgres:// or postgresql:// URL' });

/** At most one signposting reply per person in this window (@jcp/use-cases receiveMentions). */
const SIGNPOST_WINDOW_SECONDS = 86_400;

/**
 * Every environment variable the services read, with its default and its description
 * (`.describe()`): docs/operations.md's configuration table is generated from them
 * (`pnpm docs:config`), and a test fails when the table differs.
 */
export const envSchema = z
  .object({
    NODE_ENV: z
      .enum(['development', 'test', 'production'])
      .default('development')
      .describe('`development`, `test` or `production`'),
    HOST: z.string().min(1).default('127.0.0.1').describe('address to listen on (the Docker image sets `0.0.0.0`)'),
    PORT: int(0, 65535).default(3000).describe('HTTP port'),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .describe('`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`'),
    LOG_FORMAT: z
      .enum(['auto', 'json', 'pretty'])
      .default('auto')
      .describe('`json`, `pretty`, or `auto` (pretty on a terminal, JSON otherwise)'),
    LOG_SLOW_REQUEST_MS: int(0, 3_600_000)
      .default(1_000)
      .describe(
        'at `info`, a successful request is logged only when it took at least this long (marked `slow`); failed and refused requests are logged at `info`, every request at `debug`',
      ),
    DATABASE_URL: postgresUrl
      .optional()
      .describe('`postgres://` URL of the PostgreSQL server; unset means embedded PGlite'),
    DATABASE_POOL_MAX: int(1, 200).default(10).describe('connections in the pool (PostgreSQL only)'),
    DATABASE_STATEMENT_TIMEOUT_MS: int(1_000, 3_600_000)
      .default(15_000)
      .describe(
        'PostgreSQL cancels a statement running longer (`statement_timeout` of every connection; a request then answers 503). Migrations and register imports lift it for their own transaction. Must be shorter than `FANOUT_LEASE_MS`. Not applied on PGlite, which has no such timers',
      ),
    DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: int(1_000, 3_600_000)
      .default(30_000)
      .describe(
        "PostgreSQL ends a session idle this long inside a transaction (a stalled process), releasing its locks (`idle_in_transaction_session_timeout`; a session merely holding the mention reader's advisory lock is not in a transaction and is not affected). Must be shorter than `FANOUT_LEASE_MS`. Not applied on PGlite",
      ),
    PGLITE_DATA_DIR: z
      .string()
      .min(1)
      .default('.data/pglite')
      .describe('where the embedded database lives (ignored by git)'),
    MIGRATE_ON_START: bool.default(true).describe('apply pending migrations when the service starts'),
    IMPORT_REGISTRY_ON_EMPTY: bool
      .default(true)
      .describe('import the bundled register when the database has no office'),
    SHUTDOWN_TIMEOUT_MS: int(100, 120_000).default(10_000).describe('how long a graceful shutdown may take on SIGTERM'),
    RATE_LIMIT_MAX: int(0, 1_000_000)
      .default(600)
      .describe(
        "requests each caller may make per window: a valid bearer token counts on its own, anything else by the connecting address (no proxy is trusted, so behind a load balancer anonymous callers share one count); `0` turns rate limiting off. `/healthz`, `/readyz`, `/metrics` and X's deliveries (`POST /webhooks/x`) are never limited; the CRC (`GET /webhooks/x`) has a budget of its own, 5 a minute per address, even at `0`",
      ),
    RATE_LIMIT_WINDOW_MS: int(1_000, 86_400_000).default(60_000).describe("the rate limit's window (1000 to 86400000)"),
    READ_ACCESS: z
      .enum(['public', 'token'])
      .default('public')
      .describe(
        '`public`: anyone may read; `token`: every read (`GET`/`HEAD` route, present or future) needs a bearer token with the `reader` role or higher. `/healthz`, `/readyz`, `/metrics` and `/docs` stay open',
      ),
    SCHEDULER_ENABLED: bool
      .default(true)
      .describe(
        'run the node-cron jobs in this process (scheduled notices, expiry, stale closures, pruning of idempotency keys, and of mentions past their retention); replicas may all run them, each slot runs once',
      ),
    SETTLE_CRON: z
      .string()
      .min(9)
      .max(100)
      .default('*/15 * * * * *')
      .describe('node-cron expression, with seconds, for settling due status transitions into the change feed'),

    X_API_BASE_URL: z
      .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
      .optional()
      .describe(
        'where X calls go: `https://api.x.com` for X. Unset: `pnpm start` runs the X emulator in its process and talks to it; `pnpm serve` then posts and reads nothing. Required in production and by `pnpm worker`',
      ),
    X_EMULATOR_PORT: int(0, 65535)
      .default(4100)
      .describe('port of the embedded X emulator (`0`: any free port); it listens on 127.0.0.1 only'),
    X_APP_KEY: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe(
        "the X app's OAuth 1.0a consumer key (required with `X_API_BASE_URL`); each account's own tokens are stored in the database, encrypted",
      ),
    X_APP_SECRET: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe("the X app's OAuth 1.0a consumer secret (required with `X_API_BASE_URL`)"),
    X_CREDENTIALS_KEY: z
      .string()
      .min(40)
      .max(100)
      .optional()
      .describe(
        "32 bytes, base64 (`openssl rand -base64 32`): the AES-256-GCM key that seals the accounts' stored tokens, each bound to its account and marked with the key's id (a fingerprint, not the key). Required in production; otherwise a key is generated once into `.data/x-credentials.key`",
      ),
    X_CREDENTIALS_KEY_PREVIOUS: z
      .string()
      .min(40)
      .max(100)
      .optional()
      .describe(
        'the key `X_CREDENTIALS_KEY` replaced: it still opens what it sealed, and never seals; remove it once `pnpm rotate-credentials` has sealed everything again',
      ),
    X_REQUEST_TIMEOUT_MS: int(1_000, 120_000)
      .default(20_000)
      .describe(
        "the longest one X request may take in all (connecting, waiting, however slowly its answer arrives) before it is abandoned and retried; a delivery attempt's requests together end by three quarters of `FANOUT_LEASE_MS` after its claim. Must be shorter than `FANOUT_LEASE_MS`",
      ),
    X_USER_POST_LIMIT: int(1, 100_000)
      .default(100)
      .describe(
        'posts (`POST /2/tweets`) per account per `X_USER_POST_WINDOW_MS` the dispatcher allows itself (X: 100 per 15 minutes)',
      ),
    X_USER_POST_WINDOW_MS: int(1_000, 86_400_000).default(900_000).describe('the window of `X_USER_POST_LIMIT`'),
    X_APP_POST_LIMIT: int(1, 1_000_000)
      .default(10_000)
      .describe('posts per `X_APP_POST_WINDOW_MS` for all accounts together (X: 10,000 per 24 hours per app)'),
    X_APP_POST_WINDOW_MS: int(1_000, 7 * 86_400_000)
      .default(86_400_000)
      .describe('the window of `X_APP_POST_LIMIT`'),
    X_REPLY_BUDGET_SHARE: z.coerce
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe(
        "the share of the app's post budget replies to citizens may use, 0 to 1; status posts always have the rest and may use the replies' unused share too. Half because replies are set from outside (anyone can ask, or ask on purpose) while status posts are the service's first job: 5,000 replies a day is far beyond the worst snowy morning's questions (3 an hour per person), and the other 5,000 keep about 45 close-and-reopen rounds of every office whatever the replies do",
      ),
    FANOUT_ENABLED: bool
      .default(true)
      .describe('run the fan-out dispatcher in the API process (the standalone worker is `pnpm worker`)'),
    FANOUT_COALESCE_SECONDS: int(0, 3600)
      .default(60)
      .describe(
        "an account's changes within this many seconds become one post or thread (per account: `coalesceSeconds`)",
      ),
    FANOUT_CONCURRENCY: int(1, 100)
      .default(8)
      .describe('posts in flight at once per dispatcher, each to a different account'),
    FANOUT_LEASE_MS: int(1_000, 3_600_000)
      .default(60_000)
      .describe(
        'how long a dispatcher owns a post it is sending; after that another may take it over (must exceed `X_REQUEST_TIMEOUT_MS`, `DATABASE_STATEMENT_TIMEOUT_MS` and `DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS`)',
      ),
    FANOUT_POLL_MS: int(50, 60_000)
      .default(1_000)
      .describe('longest sleep between looks at the database (a commit wakes dispatchers at once through NOTIFY)'),

    MENTIONS_ENABLED: bool
      .default(true)
      .describe(
        'read and answer mentions in this process (one process at a time reads; the others stand by; the standalone worker reads too)',
      ),
    MENTION_POLL_ACTIVE_SECONDS: int(1, 3600)
      .default(15)
      .describe(
        'seconds between reads while an office is disrupted or someone asked in the last 10 minutes; never faster than the search budget allows (see docs/mentions.md)',
      ),
    MENTION_POLL_QUIET_SECONDS: int(1, 3600)
      .default(60)
      .describe('seconds between reads when all is quiet; never faster than the search budget allows'),
    MENTION_OVERLAP_SECONDS: int(0, 3600)
      .default(15)
      .describe('each read goes back this far before the newest mention read (X indexes some posts late)'),
    MENTION_MAX_AGE_SECONDS: int(60, 7 * 86_400)
      .default(3600)
      .describe('an older mention gets no automatic reply; it goes to the inbox'),
    MENTION_USER_REPLY_LIMIT: int(1, 1000)
      .default(3)
      .describe(
        'automatic replies to one person per `MENTION_USER_REPLY_WINDOW_SECONDS`, across accounts; more go to the inbox',
      ),
    MENTION_USER_REPLY_WINDOW_SECONDS: int(60, 86_400)
      .default(3600)
      .describe('the window of `MENTION_USER_REPLY_LIMIT`'),
    MENTION_CONVERSATION_REPLY_LIMIT: int(1, 100)
      .default(2)
      .describe('automatic replies to one person within one conversation (ends a loop with another bot)'),
    X_SEARCH_LIMIT: int(1, 1_000_000)
      .default(450)
      .describe(
        "the app's recent-search budget, requests per `X_SEARCH_WINDOW_MS` (X: 450 per 15 minutes); polling spends at most two thirds of it",
      ),
    X_SEARCH_WINDOW_MS: int(1_000, 86_400_000).default(900_000).describe('the window of `X_SEARCH_LIMIT`'),

    MENTION_RETENTION_DAYS: int(1, 3650)
      .default(30)
      .describe(
        'days a mention (author, username, text), the reply to it and a handled inbox item are kept after the mention was received; then the scheduler deletes them and keeps only counts per day. Must be longer than every window that reads recent mentions by author: `MENTION_USER_REPLY_WINDOW_SECONDS`, `MENTION_MAX_AGE_SECONDS` and a day (the one signposting reply a day). Why 30: docs/mentions.md, "Retention"',
      ),
    MENTION_INBOX_RETENTION_DAYS: int(1, 3650)
      .default(90)
      .describe('days an inbox item nobody handled is kept (at least `MENTION_RETENTION_DAYS`)'),
    OPT_OUT_HASH_KEY: z
      .string()
      .min(40)
      .max(100)
      .optional()
      .describe(
        '32 bytes, base64 (`openssl rand -base64 32`): the key of the HMAC-SHA256 that opt-outs ("stop") are kept as, instead of the author\'s X id. Required in production and the same in every process; otherwise generated once into `.data/opt-out-hash.key`. Changing it forgets every opt-out',
      ),
  })
  // A post's lease must outlast whatever one attempt at it may wait for: X's answer, and a
  // statement or transaction of the database.
  .refine((c) => c.FANOUT_LEASE_MS > c.X_REQUEST_TIMEOUT_MS, {
    message: 'FANOUT_LEASE_MS must be longer than X_REQUEST_TIMEOUT_MS',
    path: ['FANOUT_LEASE_MS'],
  })
  .refine((c) => c.FANOUT_LEASE_MS > c.DATABASE_STATEMENT_TIMEOUT_MS, {
    message: 'FANOUT_LEASE_MS must be longer than DATABASE_STATEMENT_TIMEOUT_MS',
    path: ['FANOUT_LEASE_MS'],
  })
  .refine((c) => c.FANOUT_LEASE_MS > c.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS, {
    message: 'FANOUT_LEASE_MS must be longer than DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS',
    path: ['FANOUT_LEASE_MS'],
  })
  .refine(
    (c) =>
      c.MENTION_RETENTION_DAYS * 86_400 >
      Math.max(c.MENTION_USER_REPLY_WINDOW_SECONDS, SIGNPOST_WINDOW_SECONDS, c.MENTION_MAX_AGE_SECONDS),
    {
      message:
        'must be longer than MENTION_USER_REPLY_WINDOW_SECONDS, MENTION_MAX_AGE_SECONDS and a day (the windows that read recent mentions by author)',
      path: ['MENTION_RETENTION_DAYS'],
    },
  )
  .refine((c) => c.MENTION_INBOX_RETENTION_DAYS >= c.MENTION_RETENTION_DAYS, {
    message: 'must be at least MENTION_RETENTION_DAYS',
    path: ['MENTION_INBOX_RETENTION_DAYS'],
  });

/** The variable names (the schema itself is refined). */
const envShape = envSchema.shape;

export type Config = Readonly<z.infer<typeof envSchema>>;

export class ConfigError extends Error {
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/**
 * Parses the environment once. An empty string counts as unset, so that
 * `FOO= pnpm start` falls back to the default instead of failing oddly.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(envShape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join('.') || '(environment)';
        // Never echo the value: DATABASE_URL may hold a password.
        return `${name}: ${issue.message}`;
      }),
    );
  }
  return Object.freeze(parsed.data);
}
