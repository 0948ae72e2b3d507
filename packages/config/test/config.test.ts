import t from 'tap';
import { ConfigError, loadConfig } from '../src/index.js';

void t.test('defaults give the embedded setup', async (t) => {
  const config = loadConfig({});
  t.equal(config.PORT, 3000);
  t.equal(config.HOST, '127.0.0.1');
  t.equal(config.DATABASE_URL, undefined);
  t.equal(config.PGLITE_DATA_DIR, '.data/pglite');
  t.equal(config.MIGRATE_ON_START, true);
  t.ok(Object.isFrozen(config));
});

void t.test('values are parsed and coerced', async (t) => {
  const config = loadConfig({
    PORT: '8080',
    MIGRATE_ON_START: 'false',
    DATABASE_URL: 'postgres://u:p@db:5432/jcp',
    LOG_LEVEL: 'debug',
    IMPORT_REGISTRY_ON_EMPTY: '0',
  });
  t.equal(config.PORT, 8080);
  t.equal(config.MIGRATE_ON_START, false);
  t.equal(config.IMPORT_REGISTRY_ON_EMPTY, false);
  t.equal(config.DATABASE_URL, 'postgres://u:p@db:5432/jcp');
  t.equal(loadConfig({ PORT: '' }).PORT, 3000, 'an empty variable counts as unset');
});

void t.test('a malformed variable stops with a message naming it, and never echoes a secret', async (t) => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ PORT: 'eighty' }, /PORT: /],
    [{ PORT: '70000' }, /PORT: /],
    [{ MIGRATE_ON_START: 'maybe' }, /MIGRATE_ON_START: /],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL: .*(fatal|info)/],
    [{ DATABASE_URL: 'mysql://root:hunter2@db/jcp' }, /DATABASE_URL: expected a postgres:\/\/ or postgresql:\/\/ URL/],
    [{ NODE_ENV: 'staging' }, /NODE_ENV: /],
  ];
  for (const [env, message] of cases) {
    const error = (() => {
      try {
        loadConfig(env);
        return null;
      } catch (e) {
        return e;
      }
    })();
    t.ok(error instanceof ConfigError, JSON.stringify(env));
    t.match((error as Error).message, message);
    t.notMatch((error as Error).message, /hunter2/);
  }
  const two = (() => {
    try {
      loadConfig({ PORT: 'x', DATABASE_POOL_MAX: '0' });
      return null;
    } catch (e) {
      return e as ConfigError;
    }
  })();
  t.equal(two?.issues.length, 2, 'every bad variable is named at once');
});

void t.test('rate limit and read access settings', async (t) => {
  const defaults = loadConfig({});
  t.equal(defaults.RATE_LIMIT_MAX, 600);
  t.equal(defaults.RATE_LIMIT_WINDOW_MS, 60_000);
  t.equal(defaults.READ_ACCESS, 'public', 'reads are public unless told otherwise');
  const set = loadConfig({ RATE_LIMIT_MAX: '0', RATE_LIMIT_WINDOW_MS: '1000', READ_ACCESS: 'token' });
  t.equal(set.RATE_LIMIT_MAX, 0, '0 turns rate limiting off');
  t.equal(set.RATE_LIMIT_WINDOW_MS, 1000);
  t.equal(set.READ_ACCESS, 'token');
  for (const env of [
    { RATE_LIMIT_MAX: '-1' },
    { RATE_LIMIT_MAX: 'lots' },
    { RATE_LIMIT_WINDOW_MS: '10' },
    { READ_ACCESS: 'private' },
  ]) {
    t.throws(() => loadConfig(env), ConfigError, JSON.stringify(env));
  }
});

void t.test(
  'mention retention: 30 days, open inbox items 90; longer than every window that reads recent mentions by author',
  async (t) => {
    const config = loadConfig({});
    t.equal(config.MENTION_RETENTION_DAYS, 30);
    t.equal(config.MENTION_INBOX_RETENTION_DAYS, 90);
    t.equal(config.OPT_OUT_HASH_KEY, undefined, 'resolved at start: required in production, a key file elsewhere');
    t.equal(loadConfig({ MENTION_RETENTION_DAYS: '2', MENTION_INBOX_RETENTION_DAYS: '2' }).MENTION_RETENTION_DAYS, 2);
    const refused: [Record<string, string>, RegExp][] = [
      [{ MENTION_RETENTION_DAYS: '1' }, /MENTION_RETENTION_DAYS: must be longer than/],
      [
        { MENTION_RETENTION_DAYS: '3', MENTION_MAX_AGE_SECONDS: String(7 * 86_400) },
        /MENTION_RETENTION_DAYS: must be longer than/,
      ],
      [{ MENTION_RETENTION_DAYS: '0' }, /MENTION_RETENTION_DAYS: /],
      [{ MENTION_RETENTION_DAYS: '120' }, /MENTION_INBOX_RETENTION_DAYS: must be at least MENTION_RETENTION_DAYS/],
    ];
    for (const [env, message] of refused) t.throws(() => loadConfig(env), message, JSON.stringify(env));
  },
);

void t.test("replies' share of the app's post budget: half unless told, a fraction from 0 to 1", async (t) => {
  t.equal(loadConfig({}).X_REPLY_BUDGET_SHARE, 0.5);
  t.equal(loadConfig({ X_REPLY_BUDGET_SHARE: '0.25' }).X_REPLY_BUDGET_SHARE, 0.25);
  t.equal(loadConfig({ X_REPLY_BUDGET_SHARE: '0' }).X_REPLY_BUDGET_SHARE, 0, 'no replies at all');
  t.equal(loadConfig({ X_REPLY_BUDGET_SHARE: '1' }).X_REPLY_BUDGET_SHARE, 1);
  for (const value of ['-0.1', '1.5', 'half', '50%'])
    t.throws(() => loadConfig({ X_REPLY_BUDGET_SHARE: value }), ConfigError, value);
});

void t.test('database deadlines: defaults, and every deadline must be shorter than the fan-out lease', async (t) => {
  const defaults = loadConfig({});
  t.equal(defaults.DATABASE_STATEMENT_TIMEOUT_MS, 15_000);
  t.equal(defaults.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS, 30_000);
  t.ok(
    defaults.FANOUT_LEASE_MS > defaults.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS &&
      defaults.FANOUT_LEASE_MS > defaults.X_REQUEST_TIMEOUT_MS,
  );
  const cases: [Record<string, string>, RegExp][] = [
    [
      { DATABASE_STATEMENT_TIMEOUT_MS: '60000' },
      /FANOUT_LEASE_MS: FANOUT_LEASE_MS must be longer than DATABASE_STATEMENT_TIMEOUT_MS/,
    ],
    [
      { FANOUT_LEASE_MS: '20000' },
      /FANOUT_LEASE_MS: FANOUT_LEASE_MS must be longer than DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS/,
    ],
    [
      { FANOUT_LEASE_MS: '12000', DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '10000', X_REQUEST_TIMEOUT_MS: '10000' },
      /longer than DATABASE_STATEMENT_TIMEOUT_MS/,
    ],
    [{ DATABASE_STATEMENT_TIMEOUT_MS: '0' }, /DATABASE_STATEMENT_TIMEOUT_MS: /],
  ];
  for (const [env, message] of cases) t.throws(() => loadConfig(env), { message }, JSON.stringify(env));
  const short = loadConfig({
    FANOUT_LEASE_MS: '20000',
    DATABASE_STATEMENT_TIMEOUT_MS: '5000',
    DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '10000',
    X_REQUEST_TIMEOUT_MS: '10000',
  });
  t.equal(short.FANOUT_LEASE_MS, 20_000);
});

void t.test('the previous credentials key is read like the current one', async (t) => {
  const key = Buffer.alloc(32, 7).toString('base64');
  t.equal(loadConfig({ X_CREDENTIALS_KEY_PREVIOUS: key }).X_CREDENTIALS_KEY_PREVIOUS, key);
  t.throws(() => loadConfig({ X_CREDENTIALS_KEY_PREVIOUS: 'short' }), { message: /X_CREDENTIALS_KEY_PREVIOUS: / });
});
