import { z } from 'zod';

const bool = z.stringbool({ truthy: ['true', '1', 'yes'], falsy: ['false', '0', 'no'] });

const postgresUrl = z.url({ protocol: /^postgres(ql)?$/, error: 'expected a postgres:// or postgresql:// URL' });

/** At most one signposting reply per person in this window (@jcp/use-cases receiveMentions). */
const SIGNPOST_WINDOW_SECONDS = 86_400;

/** Every environment variable the services read, with its default. */
export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
    DATABASE_URL: postgresUrl.optional(),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
    /** Longest a single SQL statement may run on PostgreSQL before the server cancels it (migrations and imports set their own). Shorter than FANOUT_LEASE_MS. */
    DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(15_000),
    /** Longest a PostgreSQL session may sit idle inside a transaction (holding its locks) before the server ends it. Shorter than FANOUT_LEASE_MS. */
    DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
    PGLITE_DATA_DIR: z.string().min(1).default('.data/pglite'),
    MIGRATE_ON_START: bool.default(true),
    IMPORT_REGISTRY_ON_EMPTY: bool.default(true),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
    /** Requests a caller (a valid token, else an address) may make per window; 0 turns rate limiting off. */
    RATE_LIMIT_MAX: z.coerce.number().int().min(0).max(1_000_000).default(600),
    RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(60_000),
    /** `public`: anyone may read; `token`: every read needs a token with at least the reader role. */
    READ_ACCESS: z.enum(['public', 'token']).default('public'),
    /** Run the node-cron jobs (scheduled notices, expiry, stale closures, pruning) in this process. */
    SCHEDULER_ENABLED: bool.default(true),
    /** node-cron expression, with seconds, for settling due status transitions. */
    SETTLE_CRON: z.string().min(9).max(100).default('*/15 * * * * *'),

    /** Where X API calls go: unset runs the X emulator in `pnpm start` (X_EMULATOR_PORT); https://api.x.com for the real X API. */
    X_API_BASE_URL: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).optional(),
    X_EMULATOR_PORT: z.coerce.number().int().min(0).max(65535).default(4100),
    /** The X app's OAuth 1.0a consumer key and secret (each account's tokens are stored encrypted in the database). */
    X_APP_KEY: z.string().min(1).max(200).optional(),
    X_APP_SECRET: z.string().min(1).max(200).optional(),
    /** 32 bytes, base64: encrypts the accounts' X tokens at rest (AES-256-GCM). Required in production. */
    X_CREDENTIALS_KEY: z.string().min(40).max(100).optional(),
    /** The key X_CREDENTIALS_KEY replaced (32 bytes, base64): still opens what it sealed until `pnpm rotate-credentials` has sealed everything again; never seals. */
    X_CREDENTIALS_KEY_PREVIOUS: z.string().min(40).max(100).optional(),
    /** Longest one request to X may take in all (connecting, waiting, reading a slow answer) before it is abandoned and retried. Shorter than FANOUT_LEASE_MS. */
    X_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(120_000).default(20_000),
    /** Budgets for POST /2/tweets (X's documented limits by default). */
    X_USER_POST_LIMIT: z.coerce.number().int().min(1).max(100_000).default(100),
    X_USER_POST_WINDOW_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(900_000),
    X_APP_POST_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
    X_APP_POST_WINDOW_MS: z.coerce
      .number()
      .int()
      .min(1_000)
      .max(7 * 86_400_000)
      .default(86_400_000),
    /**
     * The share of the app's post budget replies to citizens may use, 0 to 1: half by default, so
     * that however many people ask, status posts (the service's first job) always have the other
     * half; status posts may also use whatever replies leave.
     */
    X_REPLY_BUDGET_SHARE: z.coerce.number().min(0).max(1).default(0.5),
    /** Run the fan-out dispatcher in the API process (the standalone worker is `pnpm worker`). */
    FANOUT_ENABLED: bool.default(true),
    /** Changes of one account within this many seconds become one post or thread. */
    FANOUT_COALESCE_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
    FANOUT_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(8),
    /** How long a worker owns a post it is sending; another worker takes it over after. Longer than X_REQUEST_TIMEOUT_MS. */
    FANOUT_LEASE_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(60_000),
    FANOUT_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),

    /** Read mentions and answer them in the API process (the standalone worker does too); one instance at a time reads. */
    MENTIONS_ENABLED: bool.default(true),
    /** Seconds between reads while an office is disrupted or someone asked in the last 10 minutes (never faster than the search budget allows). */
    MENTION_POLL_ACTIVE_SECONDS: z.coerce.number().int().min(1).max(3600).default(15),
    /** Seconds between reads when all is quiet. */
    MENTION_POLL_QUIET_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
    /** Each read goes back this far before the newest mention already read (X indexes some posts late). */
    MENTION_OVERLAP_SECONDS: z.coerce.number().int().min(0).max(3600).default(15),
    /** A mention older than this gets no automatic reply (it goes to the inbox). */
    MENTION_MAX_AGE_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .max(7 * 86_400)
      .default(3600),
    /** Automatic replies to one person per window (across accounts); more go to the inbox. */
    MENTION_USER_REPLY_LIMIT: z.coerce.number().int().min(1).max(1000).default(3),
    MENTION_USER_REPLY_WINDOW_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
    /** Automatic replies to one person within one conversation (ends a loop with another bot). */
    MENTION_CONVERSATION_REPLY_LIMIT: z.coerce.number().int().min(1).max(100).default(2),
    /** X's recent-search budget for the app: requests per window. */
    X_SEARCH_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(450),
    X_SEARCH_WINDOW_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(900_000),

    /**
     * Days a mention (its author, username and text), the reply to it and a handled inbox item
     * are kept after the mention was received; then they are deleted and only counts per day
     * remain. Longer than every window that reads recent mentions by author (the per-user
     * throttle, the one signposting reply a day, the maximum age of a reply).
     */
    MENTION_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
    /** Days an inbox item nobody has handled is kept (at least MENTION_RETENTION_DAYS). */
    MENTION_INBOX_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
    /**
     * 32 bytes, base64: the key of the HMAC-SHA256 that opt-outs ("stop") are kept as, instead
     * of the author's X id. Required in production; elsewhere generated once into a file next
     * to the embedded database. The same in every process; changing it forgets every opt-out.
     */
    OPT_OUT_HASH_KEY: z.string().min(40).max(100).optional(),
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
