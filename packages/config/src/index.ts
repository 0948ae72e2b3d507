import { z } from 'zod';

const bool = z.stringbool({ truthy: ['true', '1', 'yes'], falsy: ['false', '0', 'no'] });

const postgresUrl = z
  .url({ protocol: /^postgres(ql)?$/, error: 'expected a postgres:// or postgresql:// URL' });

/** Every environment variable the services read, with its default. */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
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
});

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
  for (const key of Object.keys(envSchema.shape)) {
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
